"""Gentle thread actions: move, lock, pin, close timer, slow mode, merge and split."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.database import utcnow
from community.errors import Invalid, NotAllowed
from community.forum.actions import create_post
from community.forum.models import Post, Thread, ThreadFollow
from community.moderation import threads
from community.moderation.models import AuditEntry

from .conftest import moderation_notes


def audit(db, action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_moving_a_thread_keeps_its_address_and_tells_the_author(discussion, facilitator, make_category, client, db):
    thread, _, _ = discussion
    old = thread.category
    better = make_category("Troubleshooting")
    threads.move_thread(facilitator, thread, better, "Hardware problems live in Troubleshooting.")
    assert thread.category_id == better.id
    assert better.thread_count == 1 and old.thread_count == 0
    assert better.post_count == 3
    assert client.get(f"/t/{thread.id}").status_code == 200
    notes = moderation_notes(thread.author)
    assert any("Troubleshooting" in n and old.name in n for n in notes)
    [entry] = audit(db, "move_thread")
    assert entry.before == {"category": old.slug} and entry.after == {"category": better.slug}


def test_member_cannot_move_thread(discussion, make_member, make_category):
    thread, _, _ = discussion
    with pytest.raises(NotAllowed):
        threads.move_thread(make_member("mover"), thread, make_category(), "I like it there.")


def test_gentle_actions_require_a_reason(discussion, facilitator):
    thread, _, _ = discussion
    with pytest.raises(Invalid):
        threads.set_locked(facilitator, thread, True, "")
    assert not thread.locked


def test_locked_thread_refuses_member_replies(discussion, facilitator, make_trusted):
    thread, _, _ = discussion
    threads.set_locked(facilitator, thread, True, "The question is answered.")
    with pytest.raises(NotAllowed):
        create_post(make_trusted("late"), thread, "One more thing about the rollers…")
    threads.set_locked(facilitator, thread, False, "Reopened for follow-ups.")
    assert create_post(make_trusted("later"), thread, "Follow-up: it still works.").state == "published"


def test_pin_and_unpin_are_audited(discussion, facilitator, db):
    thread, _, _ = discussion
    threads.set_pinned(facilitator, thread, True, "Useful for everyone with this printer.")
    assert thread.pinned
    threads.set_pinned(facilitator, thread, False, "Superseded by the FAQ.")
    assert not thread.pinned
    assert len(audit(db, "pin_thread")) == 1 and len(audit(db, "unpin_thread")) == 1


def test_close_timer_closes_the_thread_later(discussion, facilitator):
    thread, _, _ = discussion
    threads.set_close_timer(facilitator, thread, 24, "Event thread: closes after the launch.")
    assert not thread.is_closed()
    assert thread.is_closed(now=utcnow() + timedelta(hours=25))
    threads.set_close_timer(facilitator, thread, None, "Launch postponed.")
    assert thread.closes_at is None


def test_slow_mode_limits_each_member_to_one_post_per_period(discussion, facilitator, make_trusted):
    thread, _, _ = discussion
    threads.set_slow_mode(facilitator, thread, 600, "Things are getting heated; let's slow down.")
    talker = make_trusted("talker")
    create_post(talker, thread, "First thought about the jamming issue.")
    with pytest.raises(Invalid) as refused:
        create_post(talker, thread, "Second thought straight after.")
    assert "slow mode" in refused.value.message


def test_merge_appends_posts_renumbered_and_redirects(discussion, facilitator, make_thread, make_trusted, client, db):
    target, _, _ = discussion
    dupe_author = make_trusted("dupe")
    source = make_thread(author=dupe_author, title="Printer jams every day")
    create_post(make_trusted("helper"), source, "Same here, the tray is the problem.")
    threads.merge_threads(facilitator, source, target, "Same problem as the older thread.")
    numbers = db.session.scalars(select(Post.number).where(Post.thread_id == target.id).order_by(Post.number)).all()
    assert numbers == [1, 2, 3, 4, 5]
    assert source.redirect_to_id == target.id
    assert target.reply_count == 4
    response = client.get(f"/t/{source.id}")
    assert response.status_code in (301, 302) and f"/t/{target.id}" in response.headers["Location"]
    assert db.session.get(ThreadFollow, (target.id, dupe_author.id)) is not None
    assert any("merged" in n for n in moderation_notes(dupe_author))


def test_cannot_merge_a_thread_into_itself(discussion, facilitator):
    thread, _, _ = discussion
    with pytest.raises(Invalid):
        threads.merge_threads(facilitator, thread, thread, "Oops.")


def test_split_moves_selected_replies_into_a_new_thread(discussion, facilitator, db):
    thread, first, second = discussion
    new = threads.split_posts(facilitator, thread, [second.id], "Jamming comes back after cleaning", "New question.")
    assert second.thread_id == new.id and second.number == 1
    assert new.author_id == second.author_id
    assert thread.reply_count == 1 and new.reply_count == 0
    assert db.session.scalar(select(Thread).where(Thread.id == new.id)).title == "Jamming comes back after cleaning"
    [entry] = audit(db, "split_thread")
    assert entry.after == {"thread": new.id}


def test_split_refuses_the_opening_post(discussion, facilitator, db):
    thread, _, _ = discussion
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    with pytest.raises(Invalid):
        threads.split_posts(facilitator, thread, [opening.id], "A new thread title", "Splitting.")


def test_feature_requests_are_merged_where_votes_combine(discussion, facilitator, make_thread):
    target, _, _ = discussion
    request = make_thread(title="Please add a duplex mode", is_feature_request=True)
    with pytest.raises(Invalid) as refused:
        threads.merge_threads(facilitator, request, target, "Duplicate.")
    assert "votes" in refused.value.message
    assert request.redirect_to_id is None
