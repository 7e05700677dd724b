"""Helpers for chat tests against real server processes: sign in over HTTP, open websocket clients."""
import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import socketio

from tests.servers import ROOT, _wait_until_up, free_port, prepare_database, running_server, server_env

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')  # the sign-in form's token
PASSWORD = "password-chat-1"

# The production command (see docs/PERFORMANCE.md): one gevent worker serves the sockets.
def production_command(port):
    return [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
            "--no-control-socket", "wsgi:app"]


SEED = f"""
from community.auth.actions import register_member
from community.chat.rooms import create_room
for name in ("maria", "olly", "thea"):
    register_member(name, name + "@example.com", "{PASSWORD}", skip_strength_check=True)
fran = register_member("fran", "fran@example.com", "{PASSWORD}", role="facilitator", skip_strength_check=True)
create_room(fran, "Kettle owners", "Everything about kettles")
"""


def sign_in(base_url, username):
    """A requests session signed in as username, as a browser would (CSRF token from the page)."""
    http = requests.Session()
    token = CSRF_RE.search(http.get(base_url + "/login", timeout=10).text).group(1)
    response = http.post(base_url + "/login", data={"login": username, "password": PASSWORD, "csrf_token": token},
                         timeout=10, allow_redirects=False)
    assert response.status_code == 302, f"sign-in failed for {username}"
    return http


class ChatClient:
    """A python-socketio client on /chat over websocket that records what it receives."""

    def __init__(self, base_url, http=None, origin=None):
        self.events = queue.Queue()
        # websocket-client sends the server's own origin unless told another (a browser on another site).
        extra = {"websocket_extra_options": {"origin": origin}} if origin else {}
        self.sio = socketio.Client(reconnection=False, **extra)
        for name in ("chat_message", "message_changed", "presence", "typing", "error"):
            self.sio.on(name, self._recorder(name), namespace="/chat")
        # Messages committed together arrive as one list: record them one by one, as the page shows them.
        self.lists = 0  # how many chat_messages lists arrived
        self.sio.on("chat_messages", self._record_list, namespace="/chat")
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies) if http is not None else ""
        self.sio.connect(base_url, headers={"Cookie": cookie} if cookie else {},
                         namespaces=["/chat"], transports=["websocket"], wait_timeout=10)

    def _record_list(self, messages):
        self.lists += 1
        for message in messages:
            self.events.put(("chat_message", message))

    def _recorder(self, name):
        return lambda data: self.events.put((name, data))

    def call(self, event, data):
        return self.sio.call(event, data, namespace="/chat", timeout=10)

    def next(self, name, timeout=10):
        """The next event called name, skipping others (presence, typing)."""
        while True:
            event, data = self.events.get(timeout=timeout)
            if event == name:
                return data

    def close(self):
        self.sio.disconnect()


@contextlib.contextmanager
def running_chat_site(instance):
    """The seeded chat community served by the production command (gevent) on SQLite, in instance/."""
    env = server_env(instance, DATABASE_URL=f"sqlite:///{instance / 'site.db'}", SEARCH_INDEX_DIR=instance / "index",
                     SOCKETIO_ASYNC_MODE="gevent", REDIS_URL="", RATELIMIT_STORAGE_URI="memory://")
    prepare_database(env, SEED)
    port = free_port()
    with running_server(env, port=port, command=production_command(port)) as base_url:
        yield base_url


def postgres_or_skip():
    """An autocommit connection to the test PostgreSQL, or skip the test saying why."""
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(PG_URL, connect_timeout=3, autocommit=True)
    except psycopg.Error as error:
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}: {str(error).strip().splitlines()[0]}")


def redis_or_skip(db):
    """A client on Redis database db, or skip the test saying why."""
    import redis

    client = redis.Redis.from_url(f"{REDIS_BASE}/{db}", socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_BASE}: {error}")
    return client


@contextlib.contextmanager
def killable_server(env, port):
    """The production command in its own process group, yielding (base_url, process) so a test can
    crash it with SIGKILL; whatever is left is killed afterwards."""
    env = {**env, "PORT": str(port), "HOST": "127.0.0.1"}
    log = open(Path(env["INSTANCE_PATH"]) / f"server-{port}.log", "wb")
    process = subprocess.Popen(production_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process, 30)
        yield base_url, process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        log.close()


def worker_pids(master_pid):
    """The gunicorn master's worker processes (its children)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]
