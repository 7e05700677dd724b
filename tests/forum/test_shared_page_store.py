"""Rendered pages shared between processes through Redis: a second process renders nothing the first rendered."""
import os
import uuid

import pytest
from flask import template_rendered

from community import create_app
from community.extensions import db as _db
from tests.conftest import AuthActions, _test_config

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    return REDIS_URL


@pytest.fixture
def processes(app, redis_url, tmp_path, monkeypatch):
    """Two apps as two server processes would hold them: their own memory, one database and one Redis."""
    from community.forum import cache

    release = f"test-{uuid.uuid4().hex}"  # this test's own names in Redis
    monkeypatch.setattr(cache, "release_digest", lambda app: release)
    apps = [create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SEARCH_INDEX_DIR": str(tmp_path / f"index-{n}"), "PAGE_STORE_REDIS_URL": redis_url})
            for n in range(2)]
    yield apps
    for each in apps:
        with each.app_context():
            _db.engine.dispose()


def _member_view(each, path):
    """A signed-in member's view of path on this process, and the templates it rendered for that view."""
    with each.app_context():
        client = each.test_client()
        AuthActions(client).login("ann_reader")
        rendered = []

        def note(sender, template, context, **extra):
            rendered.append(template.name)

        with template_rendered.connected_to(note, each):
            response = client.get(path)
        _db.session.remove()
    assert response.status_code == 200
    return response.get_data(as_text=True), rendered


@pytest.mark.redis
def test_a_page_rendered_by_one_process_is_fetched_by_another(processes, make_thread, make_member):
    thread = make_thread(title="Kettle keeps beeping")
    make_member("ann_reader", display_name="Ann Reader")
    first, second = processes
    page, rendered = _member_view(first, f"/t/{thread.id}")
    assert "forum/thread.html" in rendered
    again, rendered_again = _member_view(second, f"/t/{thread.id}")
    assert rendered_again == []  # the second process fetched the first one's rendering
    assert "Kettle keeps beeping" in again and "Ann Reader" in again


def test_an_unreachable_page_store_costs_renders_not_errors(app, make_thread, make_member, tmp_path):
    thread = make_thread(title="Kettle keeps beeping")
    make_member("ann_reader")
    apps = [create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SEARCH_INDEX_DIR": str(tmp_path / f"index-{n}"),
                        "PAGE_STORE_REDIS_URL": "redis://127.0.0.1:1/0"}) for n in range(2)]  # nothing listens
    for each in apps:
        assert "forum/thread.html" in _member_view(each, f"/t/{thread.id}")[1]
    for each in apps:
        with each.app_context():
            _db.engine.dispose()
