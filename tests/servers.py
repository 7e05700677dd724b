"""Real server processes for tests that need a browser, websockets or several processes."""
import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(instance_path, **overrides):
    env = {
        **os.environ,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": "server-test-secret",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TEST_DATABASE_URL", None)
    env.update({k: str(v) for k, v in overrides.items() if v is not None})
    return env


def prepare_database(env, seed_code=None):
    """Apply the migrations, then run seed_code (Python, with `app` in scope) inside an app context."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    if seed_code:
        script = "from community import create_app\napp = create_app()\nwith app.app_context():\n"
        script += "\n".join("    " + line for line in seed_code.strip().splitlines()) + "\n"
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)


@contextlib.contextmanager
def running_server(env, port=None, command=None, timeout=30):
    """Start the app (python wsgi.py by default) and yield its base URL; stop it afterwards."""
    port = port or free_port()
    env = {**env, "PORT": str(port), "HOST": "127.0.0.1"}
    log = open(Path(env["INSTANCE_PATH"]) / f"server-{port}.log", "wb")
    process = subprocess.Popen(command or [sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process, timeout)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_until_up(base_url, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if requests.get(base_url + "/login", timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # gunicorn listens before its worker has imported the app
        time.sleep(0.1)
    raise RuntimeError(f"server at {base_url} did not come up in {timeout}s")


@contextlib.contextmanager
def seeded_site(tmp_path_factory, name, seed_code):
    """A development server on a fresh SQLite database prepared by seed_code; yields its base URL."""
    instance = tmp_path_factory.mktemp(name)
    env = server_env(instance, DATABASE_URL=f"sqlite:///{instance / 'site.db'}", SEARCH_INDEX_DIR=instance / "index")
    prepare_database(env, seed_code)
    with running_server(env) as base_url:
        yield base_url
