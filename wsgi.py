"""Entry point: `gunicorn wsgi:app` in production, `python wsgi.py` for the in-process development server.

TUMMLER_CONFIG chooses the configuration: production unless it says development (`make run` does).
"""
import os
import sys

from community import create_app
from community.config import ConfigurationError
from community.extensions import socketio

try:
    app = create_app()
except ConfigurationError as error:
    # One line for whoever started the process (gunicorn, flask, make): what to set, not a traceback. Exit
    # status 4 is gunicorn's "app failed to load", which stops its master instead of restarting workers forever.
    print(f"Tummler cannot start: {error}", file=sys.stderr)
    sys.exit(4)

if __name__ == "__main__":
    socketio.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")),
                 allow_unsafe_werkzeug=True)
