"""Visitors' stored pages: served before Flask, never stale after a commit, never to a member, headers unchanged."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from community import create_app
from community.auth.actions import update_profile
from community.forum import actions
from community.forum.cache import page_query
from community.forum.invalidation import listing_version
from community.forum.models import Category, Post, Thread
from community.forum.stored_pages import StoredPages, _shareable
from community.moderation.threads import move_thread, set_pinned
from tests.conftest import _test_config, csrf_token
from tests.querycount import counted_queries

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def thread(make_thread, member, make_category):
    return make_thread(author=member, category=make_category("Product Q&A"), title="Kettle keeps beeping",
                       body="The kettle beeps at night.")


def _visit(app, path):
    """A request from a new visitor: a fresh client, so no cookie at all."""
    response = app.test_client().get(path)
    assert response.status_code == 200, path
    return response


def _text(app, path):
    return _visit(app, path).get_data(as_text=True)


def _stored(app, path):
    """Visit twice so the second answer (and any after) comes from the stored page."""
    _visit(app, path)
    return _text(app, path)


def _count_version_reads(app, monkeypatch):
    """Version reads run straight on a DBAPI connection (forum/page_reads.py): count them where they run."""
    reads = []
    monkeypatch.setattr(app.extensions["page_reads"], "observers", [reads.append])
    return reads


def test_stored_thread_page_costs_one_version_read_and_no_other_query(app, db, thread, monkeypatch):
    first = _text(app, f"/t/{thread.id}")
    db.session.remove()
    reads = _count_version_reads(app, monkeypatch)
    with counted_queries(db) as statements:
        again = _text(app, f"/t/{thread.id}")
    assert again == first
    assert len(reads) == 1 and "threads.version" in reads[0]
    # Besides it, only the view count is written (at once in tests; every few seconds when serving).
    others = [s for s in statements if s not in reads]
    assert len(others) == 1 and others[0].lstrip().upper().startswith("UPDATE THREADS SET VIEW_COUNT")


def test_stored_home_page_costs_one_version_read_and_no_other_query(app, db, thread, monkeypatch):
    first = _text(app, "/")
    db.session.remove()
    reads = _count_version_reads(app, monkeypatch)
    with counted_queries(db) as statements:
        again = _text(app, "/")
    assert again == first and "Kettle keeps beeping" in again
    assert len(reads) == 1 and "listing_versions" in reads[0]
    assert statements == reads


@pytest.mark.parametrize("path", ["/t/{id}", "/", "/categories", "/c/product-q-a", "/top?page=1"])
def test_stored_and_fresh_pages_carry_the_same_status_and_headers(app, thread, path):
    path = path.format(id=thread.id)
    fresh, stored = _visit(app, path), _visit(app, path)
    assert stored.get_data() == fresh.get_data()
    assert sorted(stored.headers.items()) == sorted(fresh.headers.items())
    assert "script-src 'self'" in stored.headers["Content-Security-Policy"]
    assert stored.headers["X-Frame-Options"] == "DENY"
    assert stored.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Set-Cookie" not in stored.headers


def test_views_of_stored_pages_are_counted(app, db, thread):
    for _ in range(3):
        _visit(app, f"/t/{thread.id}")
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).view_count == 3


def test_visitor_sees_a_new_reply_and_a_new_title_right_after_commit(app, thread, member, make_member):
    assert "quiet mode" not in _stored(app, f"/t/{thread.id}")
    assert "Kettle keeps beeping" in _stored(app, "/")
    actions.create_post(make_member("helper"), thread, "Have you tried the quiet mode?")
    assert "quiet mode" in _text(app, f"/t/{thread.id}")
    opening = app.extensions["sqlalchemy"].session.scalar(
        select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    actions.edit_post(member, opening, "The kettle beeps at night.", title="Kettle beeps at 3 am")
    assert "Kettle beeps at 3 am" in _text(app, f"/t/{thread.id}")
    home = _text(app, "/")
    assert "Kettle beeps at 3 am" in home and "Kettle keeps beeping" not in home


def test_home_page_shows_new_threads_pins_likes_and_deletions_at_once(app, thread, make_thread, make_member,
                                                                     facilitator):
    assert "Toaster smells" not in _stored(app, "/")
    other = make_thread(title="Toaster smells of smoke")
    assert "Toaster smells of smoke" in _text(app, "/")

    set_pinned(facilitator, other, True, "Common question")
    assert "flag-pinned" in _stored(app, "/")

    reply = actions.create_post(make_member("helper"), thread, "Same here.")
    _stored(app, "/")
    actions.toggle_like(thread.author, reply)
    assert '<dt>Like</dt><dd>1</dd>' in _text(app, "/")

    opening = app.extensions["sqlalchemy"].session.scalar(
        select(Post).where(Post.thread_id == other.id, Post.number == 1))
    actions.delete_post(facilitator, opening, reason="Duplicate")
    assert "Toaster smells of smoke" not in _text(app, "/")


def test_renamed_author_and_category_show_on_the_home_page(app, db, thread, member):
    _stored(app, "/")
    update_profile(member, member, display_name="Maria Renamed")
    assert "Maria Renamed" in _text(app, "/")
    db.session.get(Category, thread.category_id).name = "Kettles and toasters"
    db.session.commit()
    assert "Kettles and toasters" in _stored(app, "/")


def test_thread_moved_to_a_staff_only_category_disappears_for_visitors_at_once(app, db, thread, facilitator,
                                                                               make_category):
    assert "Kettle keeps beeping" in _stored(app, "/")
    _stored(app, f"/t/{thread.id}")
    move_thread(facilitator, thread, make_category("Staff room", staff_only=True), "Internal follow-up")
    assert app.test_client().get(f"/t/{thread.id}").status_code == 404
    assert "Kettle keeps beeping" not in _text(app, "/")


def test_category_made_staff_only_hides_its_stored_pages(app, db, thread):
    _stored(app, f"/t/{thread.id}")
    _stored(app, "/c/product-q-a")
    db.session.get(Category, thread.category_id).staff_only = True
    db.session.commit()
    assert app.test_client().get(f"/t/{thread.id}").status_code == 404
    assert app.test_client().get("/c/product-q-a").status_code == 404
    assert "Kettle keeps beeping" not in _text(app, "/")


def test_signed_in_member_never_gets_the_visitors_page(app, thread, make_member):
    make_member("ben")
    visitor = _stored(app, f"/t/{thread.id}")
    _stored(app, "/")
    client = app.test_client()
    client.post("/login", data={"login": "ben", "password": "correct horse battery",
                                "csrf_token": csrf_token(client, "/login")})
    for path in (f"/t/{thread.id}", "/"):
        page = client.get(path).get_data(as_text=True)
        assert 'name="csrf-token"' in page and 'data-user-id="' in page
    assert 'data-user-id="' not in visitor


def test_member_signed_in_only_by_the_remember_me_cookie_gets_their_own_page(app, thread, make_member):
    make_member("ben")
    _stored(app, f"/t/{thread.id}")
    client = app.test_client()
    client.post("/login", data={"login": "ben", "password": "correct horse battery", "remember": "y",
                                "csrf_token": csrf_token(client, "/login")})
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])  # the browser was closed; the remember cookie stays
    assert client.get_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token")) is not None
    assert 'data-user-id="' in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_a_write_through_another_app_instance_shows_at_once(app, db, database_uri, tmp_path, thread):
    """Each process keeps its own pages; the version lives in the database, so a write anywhere shows here."""
    _stored(app, f"/t/{thread.id}")
    _stored(app, "/")
    other = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_uri,
                        "SEARCH_INDEX_DIR": str(tmp_path / "other-index")})
    with other.app_context():
        session = other.extensions["sqlalchemy"].session
        there = session.get(Thread, thread.id)
        actions.create_post(there.author, there, "Answered from the other server.")
        actions.edit_post(there.author, there.opening_post, there.opening_post.body_source,
                          title="Kettle fixed by descaling")
        session.remove()
    thread_id = thread.id
    db.session.remove()  # as a new request would: nothing of this process's earlier reads is kept
    assert "Answered from the other server." in _text(app, f"/t/{thread_id}")
    assert "Kettle fixed by descaling" in _text(app, "/")


def test_a_reply_written_by_another_process_shows_at_once(app, db, database_uri, tmp_path, thread):
    thread_id = thread.id
    _stored(app, f"/t/{thread.id}")
    _stored(app, "/")
    script = textwrap.dedent(f"""
        from community import create_app
        from community.extensions import db
        from community.forum import actions
        from community.forum.models import Thread
        from tests.conftest import _test_config
        app = create_app({{**_test_config(), "SQLALCHEMY_DATABASE_URI": {database_uri!r},
                          "SEARCH_INDEX_DIR": {str(tmp_path / "process-index")!r}}})
        with app.app_context():
            thread = db.session.get(Thread, {thread.id})
            actions.create_post(thread.author, thread, "Written by another process.")
    """)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, capture_output=True, timeout=120)
    db.session.remove()  # as a new request would: nothing of this process's earlier reads is kept
    assert "Written by another process." in _text(app, f"/t/{thread_id}")
    assert '<dt>Reply</dt><dd>1</dd>' in _text(app, "/")


def test_listing_version_rises_with_each_listing_change_and_not_with_views(app, db, thread, make_member):
    with db.engine.connect() as conn:
        before = listing_version(conn)
    _visit(app, f"/t/{thread.id}")  # a view: counted, but listings are not invalidated by it
    with db.engine.connect() as conn:
        assert listing_version(conn) == before
    actions.create_post(make_member("helper"), thread, "A reply moves the thread up the listing.")
    with db.engine.connect() as conn:
        assert listing_version(conn) == before + 1


def test_a_transaction_that_began_first_but_commits_last_still_changes_the_version(app, db, make_thread):
    """Two writers at once: each commit moves the version on, whichever started first."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time; PostgreSQL runs them side by side")
    first_id, second_id = make_thread(title="First thread").id, make_thread(title="Second thread").id
    with Session(db.engine) as early, Session(db.engine) as late:
        early.get(Thread, first_id).title = "Renamed by the early writer"
        early.flush()
        late.get(Thread, second_id).title = "Renamed by the late writer"
        late.commit()
        with db.engine.connect() as conn:
            between = listing_version(conn)
        early.commit()
    with db.engine.connect() as conn:
        assert listing_version(conn) > between
    home = _text(app, "/")
    assert "Renamed by the early writer" in home and "Renamed by the late writer" in home


def test_visitor_with_unrelated_cookies_gets_the_stored_page_and_a_session_goes_to_flask(app, thread,
                                                                                      monkeypatch):
    _stored(app, f"/t/{thread.id}")
    layer = app.wsgi_app
    while not isinstance(layer, StoredPages):  # the layers outside it: the request log (and a proxy fix)
        layer = getattr(layer, "wsgi_app", None) or layer.app
    answered = []
    monkeypatch.setattr(layer, "_thread_key", lambda thread_id: answered.append(thread_id) or None)
    visitor = app.test_client()
    visitor.set_cookie("theme", "dark")
    assert visitor.get(f"/t/{thread.id}").status_code == 200
    assert answered == [thread.id]
    with_session = app.test_client()
    with_session.get("/login")  # the sign-in form starts a session (its CSRF token)
    assert with_session.get_cookie(app.config["SESSION_COOKIE_NAME"]) is not None
    assert with_session.get(f"/t/{thread.id}").status_code == 200
    assert answered == [thread.id]  # answered by Flask, not by the stored-page layer


@pytest.mark.parametrize("status, headers, kept", [
    ("200 OK", [("Content-Type", "text/html; charset=utf-8")], True),
    ("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Set-Cookie", "session=abc")], False),
    ("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("X-RateLimit-Remaining", "9")], False),
    ("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "private, no-store")], False),
    ("200 OK", [("Content-Type", "application/json")], False),
    ("404 NOT FOUND", [("Content-Type", "text/html; charset=utf-8")], False),
    ("301 MOVED PERMANENTLY", [("Location", "/t/2")], False),
])
def test_only_responses_every_visitor_may_share_are_kept(status, headers, kept):
    assert _shareable(status, headers) is kept


def test_made_up_query_strings_are_answered_by_flask_and_never_stored(app, thread):
    """Visitors adding parameters of their own get a real page, but cannot fill the store and evict others."""
    pages = app.extensions["fragment_cache"]
    path = f"/t/{thread.id}"
    _stored(app, path)
    kept = len(pages._entries)
    for n in range(5):
        assert "Kettle keeps beeping" in _text(app, f"{path}?utm_source=x{n}")
        assert "Kettle keeps beeping" in _text(app, f"{path}?page=1&page=2&n={n}")
    assert len(pages._entries) == kept
    # A page number spelt differently is the same stored page.
    assert page_query("page=02") == page_query("page=2") == "page=2"
    assert page_query("period=week&page=3") == "page=3&period=week"
    assert page_query("page=1&utm_source=x") is None
    assert page_query("page=%C2%B2") is None and page_query("page=\u00b2") is None
