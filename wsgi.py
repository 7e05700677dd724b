"""Entry point: `gunicorn wsgi:app` in production, `python wsgi.py` for the in-process development server."""
import os

from community import create_app
from community.extensions import socketio

app = create_app()

if __name__ == "__main__":
    socketio.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")),
                 allow_unsafe_werkzeug=True)
