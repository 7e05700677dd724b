"""Members' thread pages and listings completed from shared skeletons: each member sees their own page."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.auth.models import User
from community.database import utcnow
from community.extensions import db as _db
from community.forum import actions
from community.forum.models import Post
from tests.conftest import AuthActions, csrf_token
from tests.querycount import counted_queries


@pytest.fixture
def thread(make_thread, make_member, make_category):
    opener = make_member("opener", display_name="Olive Opener")
    thread = make_thread(author=opener, category=make_category("Product Q&A"), title="Kettle keeps beeping",
                         body="The kettle beeps at night.")
    for i in range(3):
        actions.create_post(make_member(f"replier{i}"), thread, f"Reply number {i} about the beeping kettle.")
    return thread


def _signed_in(app, make_member, username, **fields):
    make_member(username, **fields)
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def _member(username):
    return _db.session.scalar(select(User).where(User.username == username))


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _stored_pages(app):
    cache = app.extensions["fragment_cache"]
    return cache.hits, cache.misses


def test_a_second_member_gets_the_stored_page_with_their_own_name_token_and_bell(app, thread, make_member):
    ann = _signed_in(app, make_member, "ann_reader", display_name="Ann Reader")
    ben = _signed_in(app, make_member, "ben_reader", display_name="Ben Reader")
    ann_page = _page(ann, f"/t/{thread.id}")
    hits_before, _ = _stored_pages(app)
    ben_page = _page(ben, f"/t/{thread.id}")
    assert _stored_pages(app)[0] == hits_before + 1  # Ben's page came from the skeleton Ann's view stored
    assert "Ben Reader" in ben_page and 'href="/u/ben_reader"' in ben_page
    assert "Ann Reader" not in ben_page and "ann_reader" not in ben_page
    ann_token = re.search(r'name="csrf-token" content="([^"]+)"', ann_page).group(1)
    ben_token = re.search(r'name="csrf-token" content="([^"]+)"', ben_page).group(1)
    assert ann_token != ben_token and ann_token not in ben_page
    ben_id = _member("ben_reader").id
    assert f'data-user-id="{ben_id}"' in ben_page
    assert "Reply number 2 about the beeping kettle" in ben_page


def test_the_token_on_a_stored_page_posts_a_reply(app, thread, make_member):
    ann = _signed_in(app, make_member, "ann_reader")
    ben = _signed_in(app, make_member, "ben_reader")
    _page(ann, f"/t/{thread.id}")
    ben_page = _page(ben, f"/t/{thread.id}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|type="hidden" name="csrf_token" '
                      r'value="([^"]+)"', ben_page)
    token = next(group for group in token.groups() if group)
    response = ben.post(f"/t/{thread.id}/reply", data={"csrf_token": token, "body": "Ben's reply, posted from "
                                                                                    "a stored page."})
    assert response.status_code == 302
    assert "posted from a stored page" in _page(ann, f"/t/{thread.id}")


def test_each_member_sees_their_own_likes_and_follow(app, thread, make_member):
    ann = _signed_in(app, make_member, "ann_reader")
    ben = _signed_in(app, make_member, "ben_reader")
    reply = _db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 3))
    actions.toggle_like(_member("ann_reader"), reply)
    actions.set_following(_member("ben_reader"), thread, True)
    ann_page, ben_page = _page(ann, f"/t/{thread.id}"), _page(ben, f"/t/{thread.id}")
    liked = re.compile(r'id="post-3".*?aria-pressed="(true|false)">\s*<span aria-hidden="true">♥</span> '
                       r'<span class="like-label">(Liked|Like)</span>', re.S)
    assert liked.search(ann_page).groups() == ("true", "Liked")
    assert liked.search(ben_page).groups() == ("false", "Like")
    assert "Following ✓" in ben_page and "Following ✓" not in ann_page


def test_authors_see_their_own_controls_on_a_page_others_share(app, thread, make_member):
    reader = _signed_in(app, make_member, "ann_reader")
    _page(reader, f"/t/{thread.id}")
    author = app.test_client()
    AuthActions(author).login("replier1")
    author_page = _page(author, f"/t/{thread.id}")
    own = re.search(r'id="post-3".*?</article>', author_page, re.S).group(0)
    assert ">Edit</a>" in own and "like-button" not in own
    reader_page = _page(reader, f"/t/{thread.id}")
    assert ">Edit</a>" not in reader_page


def test_moderators_and_members_get_different_stored_pages(app, thread, make_member):
    facilitator = _signed_in(app, make_member, "fran", role="facilitator")
    member = _signed_in(app, make_member, "ann_reader")
    assert "Moderate…" in _page(facilitator, f"/t/{thread.id}")
    assert "Moderate…" not in _page(member, f"/t/{thread.id}")
    assert "Moderate…" in _page(facilitator, f"/t/{thread.id}")


def test_a_reply_shows_on_the_next_members_view(app, thread, make_member):
    member = _signed_in(app, make_member, "ann_reader")
    _page(member, f"/t/{thread.id}")
    actions.create_post(make_member("late_helper"), thread, "Descaling fixed mine.")
    assert "Descaling fixed mine." in _page(member, f"/t/{thread.id}")


def test_a_stored_member_page_costs_two_reads(app, db, thread, make_member):
    _page(_signed_in(app, make_member, "ann_reader"), f"/t/{thread.id}")
    ben = _signed_in(app, make_member, "ben_reader")
    _page(ben, f"/t/{thread.id}")  # Ben's last-seen time is fresh from signing in
    db.session.remove()
    with counted_queries(db) as statements:
        _page(ben, f"/t/{thread.id}")
    reads = [s for s in statements if not s.startswith("UPDATE threads SET view_count")]
    assert len(reads) == 2, reads


def test_a_flash_is_shown_once_and_not_stored_for_others(app, thread, make_member):
    ann = _signed_in(app, make_member, "ann_reader")
    _page(ann, f"/t/{thread.id}")
    token = csrf_token(ann, f"/t/{thread.id}")
    ann.post(f"/t/{thread.id}/follow", data={"csrf_token": token, "follow": "1"})
    page = _page(ann, f"/t/{thread.id}")
    assert "notified of new replies" in page
    assert "notified of new replies" not in _page(ann, f"/t/{thread.id}")
    ben = _signed_in(app, make_member, "ben_reader")
    assert "notified of new replies" not in _page(ben, f"/t/{thread.id}")


def test_a_members_held_thread_shows_only_in_their_own_listing(app, thread, make_member, make_category):
    ann = _signed_in(app, make_member, "ann_reader")
    ben = _signed_in(app, make_member, "ben_reader")
    _page(ben, "/")
    held = actions.create_thread(_member("ann_reader"), thread.category, "Waiting for the review queue",
                                 "A first post by a new member.")
    _db.session.execute(_db.update(Post).where(Post.thread_id == held.id).values(state="held"))
    _db.session.commit()
    assert "Waiting for the review queue" in _page(ann, "/")
    assert "Waiting for the review queue" not in _page(ben, "/")


def test_a_member_away_for_a_while_is_seen_again_on_their_first_page(app, thread, make_member):
    ann = _signed_in(app, make_member, "ann_reader")
    _page(ann, f"/t/{thread.id}")
    user = _member("ann_reader")
    user.last_seen_at = utcnow() - timedelta(hours=2)
    _db.session.commit()
    _page(ann, f"/t/{thread.id}")
    _db.session.expire_all()
    assert utcnow() - _db.session.get(User, user.id).last_seen_at < timedelta(minutes=1)


def test_a_signed_out_session_gets_no_member_page(app, thread, make_member):
    ann = _signed_in(app, make_member, "ann_reader", display_name="Ann Reader")
    assert "Ann Reader" in _page(ann, f"/t/{thread.id}")
    user = _member("ann_reader")
    user.session_token = "rotated"  # what a password change or "sign out everywhere" does
    _db.session.commit()
    assert "Ann Reader" not in _page(ann, f"/t/{thread.id}")


def test_stored_member_pages_carry_the_same_headers_as_rendered_ones(app, thread, make_member):
    ann = _signed_in(app, make_member, "ann_reader")
    rendered = ann.get(f"/t/{thread.id}")
    stored = ann.get(f"/t/{thread.id}")
    assert sorted(k for k, _ in stored.headers.items()) == sorted(k for k, _ in rendered.headers.items())
    assert stored.headers["Cache-Control"] == "private, no-store"
    assert stored.headers["Content-Security-Policy"] == rendered.headers["Content-Security-Policy"]


def test_the_bell_says_99_plus_beyond_99_unread(app, thread, make_member):
    from community.notifications.actions import notify_many

    ann = _signed_in(app, make_member, "ann_reader")
    ann_id = _member("ann_reader").id
    for i in range(120):
        notify_many([ann_id], "reply", f"Reply {i}", url=f"/t/{thread.id}")
    _db.session.commit()
    rendered, stored = _page(ann, f"/t/{thread.id}"), _page(ann, f"/t/{thread.id}")
    for page in (rendered, stored):
        assert re.search(r'data-live-count>\s*99\+\s*</span>', page)


def test_a_session_cookie_tampered_with_is_refused_even_after_the_real_one_was_seen(app, thread, make_member):
    ann = _signed_in(app, make_member, "ann_reader", display_name="Ann Reader")
    assert "Ann Reader" in _page(ann, f"/t/{thread.id}")
    cookie = ann.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    forged = app.test_client()
    forged.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"))
    assert "Ann Reader" not in _page(forged, f"/t/{thread.id}")


def test_a_members_stored_thread_page_outlives_a_minute_and_shows_the_current_views(app, thread, make_member):
    store = app.extensions["fragment_cache"]
    now = [1000.0]
    store.clock = lambda: now[0]
    ann = _signed_in(app, make_member, "ann_reader")
    _page(ann, f"/t/{thread.id}")
    app.extensions["view_counter"].flush()
    now[0] += 20 * 60  # twenty minutes without a write: times are drawn in the browser, nothing went stale
    hits = _stored_pages(app)[0]
    for _ in range(3):
        page = _page(ann, f"/t/{thread.id}")
    assert _stored_pages(app)[0] == hits + 3
    app.extensions["view_counter"].flush()
    _db.session.expire_all()
    views = _db.session.get(type(thread), thread.id).view_count
    page = _page(ann, f"/t/{thread.id}")
    assert f"{views} views" in page and views >= 4


def test_a_visitors_stored_page_closes_when_its_timer_runs_out(app, thread, facilitator, auth):
    from community.moderation.threads import set_close_timer

    set_close_timer(facilitator, thread, 1, "Closing soon for the summary.")
    visitor = app.test_client()
    assert "This thread is locked" not in _page(visitor, f"/t/{thread.id}")
    # The timer runs out: time passes, no write bumps the version (plain SQL keeps the listeners out of it).
    _db.session.execute(_db.update(type(thread)).where(type(thread).id == thread.id)
                        .values(closes_at=utcnow() - timedelta(seconds=1)))
    _db.session.commit()
    assert "This thread is locked" in _page(visitor, f"/t/{thread.id}")
