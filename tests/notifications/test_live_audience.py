"""Live thread updates reach only those who may read the thread now, not everyone who opened it earlier."""
import pytest
from flask import g

from community import permissions, realtime
from community.forum.actions import create_post, delete_post, edit_post, restore_post
from community.moderation.actions import hide_post
from community.moderation.threads import move_thread

SECRET = "Internal: we ship this in Q3, do not tell customers."


def heard(sio, name):
    return [event["args"][0] for event in sio.get_received("/live") if event["name"] == name]


def live_posts(sio):
    return [e for e in sio.get_received("/live") if e["name"] in ("post_created", "post_updated")]


@pytest.fixture
def open_page(open_thread_page):
    return lambda user, thread: open_thread_page(user.username, thread)


@pytest.fixture
def thread(make_thread, member):
    return make_thread(author=member, title="Let me pay once a year")


@pytest.fixture
def staff_only(make_category):
    return make_category("Roadmap (staff)", staff_only=True)


def test_member_who_opened_a_thread_hears_nothing_after_it_moves_to_staff_only(thread, staff_only, facilitator,
                                                                                 make_member, open_page):
    page = open_page(make_member("olga"), thread)
    reply = create_post(facilitator, thread, "Looking into this for you.")
    assert [e["name"] for e in live_posts(page)] == ["post_created"]

    move_thread(facilitator, thread, staff_only, "Internal planning")
    create_post(facilitator, thread, SECRET)
    edit_post(facilitator, reply, "Looking into this. " + SECRET)
    events = page.get_received("/live")
    assert [e for e in events if e["name"] in ("post_created", "post_updated")] == []
    assert "Q3" not in repr(events)


def test_the_move_empties_the_members_room_of_the_thread(thread, staff_only, facilitator, make_member, open_page):
    page = open_page(make_member("olga"), thread)
    move_thread(facilitator, thread, staff_only, "Internal planning")
    page.get_received("/live")
    # Anything still sent to the room of the thread's readers finds nobody who opened it before the move.
    realtime.vote_count(thread.id, 7, "members")
    assert heard(page, "vote_count") == []


def test_staff_keep_hearing_a_thread_moved_to_staff_only(thread, staff_only, facilitator, product_manager,
                                                         open_page):
    pat = open_page(product_manager, thread)  # staff, not a moderator
    fran = open_page(facilitator, thread)
    move_thread(facilitator, thread, staff_only, "Internal planning")
    pat.get_received("/live"), fran.get_received("/live")
    reply = create_post(facilitator, thread, SECRET)
    assert [p["number"] for p in heard(pat, "post_created")] == [reply.number]
    assert [p["number"] for p in heard(fran, "post_created")] == [reply.number]


def test_staff_page_on_a_staff_only_thread_hears_each_reply_once(make_thread, staff_only, facilitator,
                                                                 product_manager, open_page):
    internal = make_thread(author=facilitator, category=staff_only, title="Q3 roadmap")
    pat, fran = open_page(product_manager, internal), open_page(facilitator, internal)
    create_post(product_manager, internal, SECRET)
    for page in (pat, fran):
        pushed = heard(page, "post_created")
        assert len(pushed) == 1 and "Q3" in pushed[0]["html"]


def test_every_page_hears_a_reply_once_while_members_may_read_it(thread, facilitator, make_member, open_page):
    pages = [open_page(make_member("olga"), thread), open_page(facilitator, thread)]
    create_post(make_member("bob"), thread, "Same here, yearly billing please.")
    assert [len(heard(page, "post_created")) for page in pages] == [1, 1]


def test_member_hears_nothing_of_a_deleted_thread(thread, member, make_member, facilitator, open_page):
    reply = create_post(make_member("bob"), thread, "Yearly billing would help us too.")
    page, fran = open_page(make_member("olga"), thread), open_page(facilitator, thread)
    delete_post(member, thread.opening_post)
    edit_post(facilitator, reply, "Removed: " + SECRET)
    assert live_posts(page) == []
    # Moderators may still read a deleted thread and hear the change.
    assert [e["args"][0]["post_id"] for e in live_posts(fran)] == [reply.id]

    restore_post(facilitator, thread.opening_post)
    later = open_page(make_member("otto"), thread)  # pages opened afterwards hear it again
    create_post(make_member("vera"), thread, "Glad this is back.")
    assert len(heard(later, "post_created")) == 1


def test_member_hears_nothing_after_the_opening_post_is_hidden(thread, member, make_member, facilitator,
                                                               open_page):
    page, fran = open_page(make_member("olga"), thread), open_page(facilitator, thread)
    hide_post(facilitator, thread.opening_post, "Personal details of another customer.")
    # The thread is now its author's and the moderators' alone; the author may still reply to it.
    reply = create_post(member, thread, "Here are the card details again: " + SECRET)
    assert live_posts(page) == []
    assert [p["post_id"] for p in heard(fran, "post_created")] == [reply.id]


def test_member_cannot_join_the_rooms_of_a_thread_they_may_no_longer_read(thread, staff_only, facilitator,
                                                                          make_member, open_page):
    page = open_page(make_member("olga"), thread)
    move_thread(facilitator, thread, staff_only, "Internal planning")
    reply = page.emit("watch_thread", {"thread_id": thread.id}, namespace="/live", callback=True)
    assert reply["ok"] is False and reply["error"]["code"] == "notfound"
    create_post(facilitator, thread, SECRET)
    assert live_posts(page) == []


@pytest.mark.parametrize("role, audiences", [
    ("member", ("members",)),
    ("product_manager", ("members", "staff")),
    ("facilitator", ("members", "staff", "moderators")),
    ("admin", ("members", "staff", "moderators")),
])
def test_each_audience_admits_who_may_read_threads_of_it(make_member, make_thread, make_category, role, audiences):
    reader = make_member(role=role)
    author = make_member(role="facilitator")
    public = make_thread(author=author)
    internal = make_thread(author=author, category=make_category(staff_only=True))
    deleted = make_thread(author=author)
    deleted.deleted_at = deleted.created_at
    cases = {"members": public, "staff": internal, "moderators": deleted}
    assert permissions.thread_audiences_of(reader) == audiences
    for audience, example in cases.items():
        assert permissions.thread_audience(example) == audience
        assert permissions.can_view_thread(reader, example) == (audience in audiences)


@pytest.fixture
def remembered_for_long(monkeypatch):
    """Sockets keep their member's row as if the next re-check were far off, as on another process."""
    from community import sockets

    monkeypatch.setattr(sockets, "USER_RECHECK_SECONDS", 3600.0)


def _demote_elsewhere(user):
    """Change the role in the database only, as another server process would: this one's sockets are not told."""
    from sqlalchemy import update

    from community.auth.models import User
    from community.extensions import db

    db.session.execute(update(User).where(User.id == user.id).values(role="member"))
    db.session.commit()
    # The tests share one app context and session: let the socket fall back on the row it remembered.
    db.session.expunge(user)
    g.pop("_login_user", None)


def test_a_just_demoted_member_cannot_join_a_staff_only_thread(remembered_for_long, make_thread, staff_only,
                                                               facilitator, product_manager, open_page):
    public = make_thread(author=facilitator)
    internal = make_thread(author=facilitator, category=staff_only, title="Q3 roadmap")
    pat = open_page(product_manager, public)
    _demote_elsewhere(product_manager)
    reply = pat.emit("watch_thread", {"thread_id": internal.id}, namespace="/live", callback=True)
    assert reply["ok"] is False and reply["error"]["code"] == "notfound"
    create_post(facilitator, internal, SECRET)
    assert live_posts(pat) == []


def test_a_just_demoted_member_cannot_watch_the_floor(remembered_for_long, make_thread, facilitator,
                                                      product_manager, open_page):
    pat = open_page(product_manager, make_thread(author=facilitator))
    _demote_elsewhere(product_manager)
    reply = pat.emit("watch_floor", {}, namespace="/live", callback=True)
    assert reply["ok"] is False and reply["error"]["code"] == "notallowed"
