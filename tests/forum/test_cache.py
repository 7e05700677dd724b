"""Shared page fragments: anonymous readers share a rendering, and any write shows on the very next view."""
import re

import pytest
from sqlalchemy import event, select

from community.auth.actions import update_profile
from community.extensions import db as _db
from community.forum import actions
from community.forum.cache import FragmentCache
from community.forum.models import Post, Thread
from tests.conftest import AuthActions


@pytest.fixture
def thread(make_thread, member, make_category):
    thread = make_thread(author=member, category=make_category("Product Q&A"),
                         title="Kettle keeps beeping", body="The kettle beeps at night.")
    return thread


def _page(client, thread):
    response = client.get(f"/t/{thread.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _count_queries(app, fn):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(_db.engine, "before_cursor_execute", listener)
    return statements


def test_second_anonymous_view_reuses_the_rendered_posts(app, client, thread):
    _page(client, thread)
    statements = _count_queries(app, lambda: _page(client, thread))
    assert not any("FROM posts" in s for s in statements)


def test_new_reply_shows_on_the_next_anonymous_view(client, thread, make_member):
    assert "Have you tried the quiet mode" not in _page(client, thread)
    actions.create_post(make_member("helper"), thread, "Have you tried the quiet mode?")
    assert "Have you tried the quiet mode" in _page(client, thread)


def test_edited_post_shows_its_new_text_on_the_next_view(client, thread, member):
    opening = _db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    assert "beeps at night" in _page(client, thread)
    actions.edit_post(member, opening, "Fixed: it was the descale reminder.")
    page = _page(client, thread)
    assert "descale reminder" in page
    assert "beeps at night" not in page


def test_deleted_reply_disappears_on_the_next_view(client, thread, make_member):
    helper = make_member("helper")
    reply = actions.create_post(helper, thread, "Mine does this too, very annoying.")
    assert "very annoying" in _page(client, thread)
    actions.delete_post(helper, reply)
    assert "very annoying" not in _page(client, thread)


def test_renamed_author_shows_under_the_new_name(client, thread, member):
    assert "Maria Renamed" not in _page(client, thread)
    update_profile(member, member, display_name="Maria Renamed")
    assert "Maria Renamed" in _page(client, thread)


def test_signed_in_member_sees_their_own_controls_not_the_anonymous_rendering(client, auth, thread, member):
    anonymous = _page(client, thread)
    _page(client, thread)  # the anonymous rendering is now cached
    auth.login("maria")
    signed_in = _page(client, thread)
    assert ">Edit</a>" in signed_in  # maria may edit her own opening post
    assert ">Edit</a>" not in anonymous


def test_every_write_to_a_thread_bumps_its_version(db, thread, make_member):
    before = db.session.scalar(select(Thread.version).where(Thread.id == thread.id))
    reply = actions.create_post(make_member("helper"), thread, "A reply that changes the page.")
    after_reply = db.session.scalar(select(Thread.version).where(Thread.id == thread.id))
    actions.toggle_like(thread.author, reply)
    after_like = db.session.scalar(select(Thread.version).where(Thread.id == thread.id))
    assert before < after_reply < after_like


def test_views_are_counted_without_changing_the_version(client, db, thread):
    before = db.session.scalar(select(Thread.version).where(Thread.id == thread.id))
    _page(client, thread)
    _page(client, thread)
    db.session.expire_all()
    row = db.session.execute(select(Thread.version, Thread.view_count).where(Thread.id == thread.id)).one()
    assert row.version == before
    assert row.view_count == 2


def test_visitors_reading_a_stored_page_start_no_session(app, thread):
    """Nothing on a visitor's thread page needs a CSRF token, so no session cookie is minted for them."""
    for _ in range(3):  # the first view renders and stores the page, the others are served from it
        response = app.test_client().get(f"/t/{thread.id}")
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
        assert 'name="csrf-token"' not in response.get_data(as_text=True)


def test_each_signed_in_reader_gets_their_own_csrf_token(app, thread, make_member):
    tokens = set()
    for name in ("ann", "ben"):
        make_member(name)
        client = app.test_client()
        AuthActions(client).login(name)
        tokens.add(re.search(r'name="csrf-token" content="([^"]+)"', _page(client, thread)).group(1))
    assert len(tokens) == 2


def test_staff_only_thread_stays_hidden_from_anonymous_readers(client, make_thread, make_member, make_category):
    staff_room = make_category("Staff room", staff_only=True)
    secret = make_thread(author=make_member("fran", role="facilitator"), category=staff_room,
                         title="Roadmap notes", body="Not for customers yet.")
    assert client.get(f"/t/{secret.id}").status_code == 404
    assert client.get(f"/t/{secret.id}").status_code == 404


def test_fragments_expire_so_relative_times_stay_true():
    now = [100.0]
    cache = FragmentCache(max_entries=2, ttl=60, clock=lambda: now[0])
    cache.set("a", "<p>5 minutes ago</p>")
    assert cache.get("a") == "<p>5 minutes ago</p>"
    now[0] += 61
    assert cache.get("a") is None


def test_least_recently_used_fragment_is_dropped_when_full():
    cache = FragmentCache(max_entries=2, ttl=60)
    cache.set("a", "A")
    cache.set("b", "B")
    cache.get("a")
    cache.set("c", "C")
    assert cache.get("b") is None
    assert cache.get("a") == "A" and cache.get("c") == "C"
