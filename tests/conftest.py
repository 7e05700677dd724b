"""Fixtures: an app per test on a schema built once per session, clients, sockets and builders.

TEST_DATABASE_URL points the whole suite at PostgreSQL; each xdist worker gets its own schema.
"""
import itertools
import os
import re
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import create_engine, text

from community import create_app
from community.config import TestingConfig
from community.extensions import db as _db
from community.extensions import socketio

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
DEFAULT_PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def _schema_name():
    # One schema per test process, so parallel workers and parallel runs never share tables.
    return f"test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    schema = _schema_name()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    yield f"{url}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def _schema(database_uri, tmp_path_factory):
    """Build the schema once; per-test apps reuse it and empty the tables afterwards."""
    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_uri,
                      "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp("index"))})
    with app.app_context():
        _db.create_all()
        tables = list(reversed(_db.metadata.sorted_tables))
    return tables


def _test_config():
    return {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}


@pytest.fixture
def app(database_uri, _schema, tmp_path):
    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_uri,
                      "SEARCH_INDEX_DIR": str(tmp_path / "index")})

    def _fresh_g():
        # Requests reuse the test's app context, so g would carry one client's signed-in user and CSRF
        # token into the next request of another client; a server starts each request with a fresh g.
        for name in list(g):
            g.pop(name)

    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)

    with app.app_context():
        yield app
        _db.session.remove()
        _empty_tables(_schema)
        # Close this app's pooled connections now: an app kept alive by a background thread or a reference
        # cycle would otherwise hold them until the process ends, and PostgreSQL allows only so many clients.
        _db.engine.dispose()


def _empty_tables(tables):
    engine = _db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def socket_client(app, client):
    """A Socket.IO test client sharing the HTTP client's session (and so its login)."""
    clients = []

    def connect(namespace=None, http_client=None):
        sio = socketio.test_client(app, namespace=namespace, flask_test_client=http_client or client)
        clients.append(sio)
        return sio

    yield connect
    for sio in clients:
        if sio.is_connected():
            sio.disconnect()


@pytest.fixture
def open_thread_page(app, socket_client):
    """open_thread_page(username, thread): that signed-in person's /live socket watching the thread, as an open
    thread page does, on its own browser session; what it heard while joining is discarded."""
    def open_(username, thread):
        http = app.test_client()
        AuthActions(http).login(username)
        g.pop("_login_user", None)  # the test shares one app context between clients
        sio = socket_client("/live", http_client=http)
        assert sio.emit("watch_thread", {"thread_id": thread.id}, namespace="/live", callback=True) == {"ok": True}
        sio.get_received("/live")
        return sio

    return open_


CSRF_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"'
                     r'|type="hidden" name="csrf_token" value="([^"]+)"')


def csrf_token(client, path="/"):
    """A CSRF token for the client's session, read from the page like a browser would (visitors' pages
    carry one only where they hold a form, so fall back to the sign-in form)."""
    for page in (path, "/login"):
        match = CSRF_RE.search(client.get(page).get_data(as_text=True))
        if match:
            return next(group for group in match.groups() if group)
    raise AssertionError(f"no CSRF token on {path} or /login")


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username, password=DEFAULT_PASSWORD, remember=False):
        token = csrf_token(self._client, "/login")
        data = {"login": username, "password": password, "csrf_token": token}
        if remember:
            data["remember"] = "y"
        return self._client.post("/login", data=data)

    def logout(self):
        return self._client.post("/logout", data={"csrf_token": csrf_token(self._client)})

    def post(self, path, data=None, **kwargs):
        """POST a form with a valid CSRF token, as the signed-in browser would."""
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(self._client))
        return self._client.post(path, data=data, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_member(app):
    from community.auth.actions import register_member

    def make(username=None, role="member", password=DEFAULT_PASSWORD, email=None, **fields):
        username = username or f"member{next(_counter)}"
        user = register_member(username, email or f"{username}@example.com", password, role=role,
                               skip_strength_check=True)
        for name, value in fields.items():
            setattr(user, name, value)
        if fields:
            _db.session.commit()
        return user

    return make


@pytest.fixture
def make_category(app):
    from community.forum.actions import create_category

    def make(name=None, **fields):
        name = name or f"Category {next(_counter)}"
        return create_category(name, **fields)

    return make


@pytest.fixture
def make_thread(app, make_member, make_category):
    from community.forum.actions import create_thread

    def make(author=None, category=None, title=None, body="Opening post body text.", **fields):
        author = author or make_member()
        category = category or make_category()
        return create_thread(author, category, title or f"Thread number {next(_counter)}", body, **fields)

    return make


@pytest.fixture
def member(make_member):
    return make_member("maria")


@pytest.fixture
def facilitator(make_member):
    return make_member("fran", role="facilitator")


@pytest.fixture
def product_manager(make_member):
    return make_member("pat", role="product_manager")


@pytest.fixture
def admin(make_member):
    return make_member("ada", role="admin")


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session (Playwright's sync API allows one driver per process)."""
    import shutil

    from tests.browsing import CHROMIUM, CHROMIUM_ARGS

    if not shutil.which("chromium"):
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
