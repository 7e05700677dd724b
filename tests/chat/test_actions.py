"""Chat actions: messages, sequence numbers, edits, deletes, limits, mentions and direct conversations."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.chat import actions, queries, rooms
from community.chat.models import Message, MessageRevision
from community.database import utcnow
from community.errors import Invalid, NotAllowed, RateLimited
from community.moderation.models import AuditEntry
from community.notifications.models import Notification


def test_messages_get_increasing_room_sequence_numbers(room, member, make_member):
    other = make_member("olly")
    seqs = [actions.post_message(author, room, f"hello {i}").seq
            for i, author in enumerate([member, other, member])]
    assert seqs == [1, 2, 3] and room.last_seq == 3


def test_message_markup_is_sanitised_once_and_stored(room, member):
    message = actions.post_message(member, room, "**hi** <script>alert(1)</script> see https://example.com")
    assert "<strong>hi</strong>" in message.body_html
    assert "<script" not in message.body_html
    assert 'href="https://example.com"' in message.body_html and "nofollow" in message.body_html


def test_empty_and_overlong_messages_are_refused_with_reasons(app, room, member):
    with pytest.raises(Invalid, match="Write something"):
        actions.post_message(member, room, "   ")
    with pytest.raises(Invalid, match="limited to 2000 characters"):
        actions.post_message(member, room, "x" * (app.config["CHAT_MESSAGE_MAX"] + 1))


def test_sixth_message_in_five_seconds_is_rate_limited(room, member, db):
    for i in range(5):
        actions.post_message(member, room, f"quick {i}")
    with pytest.raises(RateLimited) as problem:
        actions.post_message(member, room, "one too many")
    assert problem.value.retry_after >= 1
    assert db.session.query(Message).count() == 5


def test_slow_mode_spaces_out_a_members_messages(room, member, facilitator):
    rooms.set_slow_mode(facilitator, room, 30)
    actions.post_message(member, room, "first")
    with pytest.raises(RateLimited, match="slow mode"):
        actions.post_message(member, room, "second")
    actions.post_message(facilitator, room, "facilitators are not slowed")


def test_muted_member_cannot_write_until_the_mute_ends(room, member, facilitator, db):
    membership = rooms.mute_member(facilitator, room, member, 10, "Cooling off")
    with pytest.raises(NotAllowed, match="muted you in this room"):
        actions.post_message(member, room, "let me speak")
    membership.muted_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert actions.post_message(member, room, "back again").seq == 1


def test_locked_room_takes_only_facilitators_messages(room, member, facilitator):
    rooms.set_room_locked(facilitator, room, True, "Announcements only")
    with pytest.raises(NotAllowed, match="locked"):
        actions.post_message(member, room, "hello?")
    assert actions.post_message(facilitator, room, "Announcement").seq == 1


def test_archived_room_keeps_history_but_takes_no_messages(room, member, facilitator):
    actions.post_message(member, room, "kept for reading")
    rooms.archive_room(facilitator, room, "Season over")
    with pytest.raises(NotAllowed, match="archived"):
        actions.post_message(member, room, "anyone?")
    assert [m.body_source for m in queries.latest_messages(room, 10)] == ["kept for reading"]


def test_editing_marks_message_edited_and_keeps_the_old_text(room, member, db):
    message = actions.post_message(member, room, "teh kettle")
    actions.edit_message(member, message, "the kettle")
    assert message.edited_at is not None and message.body_html == "<p>the kettle</p>"
    revision = db.session.scalar(select(MessageRevision))
    assert revision.body_source == "teh kettle" and message.change_no == 1


def test_member_cannot_edit_someone_elses_message(room, member, make_member):
    message = actions.post_message(member, room, "mine")
    with pytest.raises(NotAllowed):
        actions.edit_message(make_member("olly"), message, "yours now")


def test_deleting_own_message_leaves_a_tombstone(room, member):
    message = actions.post_message(member, room, "oops")
    actions.delete_message(member, message)
    payload = queries.message_payload(message)
    assert payload["deleted"] and payload["body_html"] == "" and payload["seq"] == 1
    assert message.body_source == "oops"  # nothing lost


def test_facilitator_deletes_a_message_with_a_reason_in_the_audit_log(room, member, facilitator, db):
    message = actions.post_message(member, room, "buy my stuff")
    with pytest.raises(Invalid, match="reason"):
        actions.delete_message(facilitator, message)
    actions.delete_message(facilitator, message, "Advertising")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delete_chat_message"))
    assert entry.reason == "Advertising" and entry.subject_user_id == member.id
    assert queries.message_payload(message)["deleted_by_moderator"]


def test_mention_notifies_the_member_mentioned(room, member, make_member, db):
    olly = make_member("olly")
    message = actions.post_message(member, room, "@olly have you descaled?")
    assert 'class="mention"' in message.body_html
    note = db.session.scalar(select(Notification).where(Notification.user_id == olly.id))
    assert note.kind == "mention" and "maria mentioned you" in note.text and note.url.endswith("#m-1")


def test_catch_up_returns_missed_messages_in_order_and_changes(room, member, make_member):
    olly = make_member("olly")
    first = actions.post_message(member, room, "one")
    actions.post_message(olly, room, "two")
    actions.post_message(member, room, "three")
    actions.edit_message(member, first, "one, edited")
    caught = queries.catch_up(room, 1, 0, 100)
    assert [m["seq"] for m in caught["messages"]] == [2, 3]
    assert [m["seq"] for m in caught["updates"]] == [1] and caught["updates"][0]["edited"]


def test_unread_count_per_member_in_room_list(room, member, make_member):
    olly = make_member("olly")
    actions.enter_room(olly, room)
    actions.post_message(member, room, "one")
    actions.post_message(member, room, "two")
    listed = {r["room"].id: r for r in queries.public_rooms(olly)}
    assert listed[room.id]["unread"] == 2 and listed[room.id]["member_count"] == 3
    actions.mark_read(olly, room, 2)
    assert queries.public_rooms(olly)[0]["unread"] == 0


def test_direct_conversation_is_one_per_pair_and_private(member, make_member, db):
    olly, third = make_member("olly"), make_member("thea")
    room = actions.open_direct_conversation(member, olly, opening_message="Hi Olly!")
    assert actions.open_direct_conversation(olly, member).id == room.id
    assert [m.body_source for m in queries.latest_messages(room, 10)] == ["Hi Olly!"]
    note = db.session.scalar(select(Notification).where(Notification.user_id == olly.id))
    assert note.kind == "direct_message"
    from community import permissions
    assert not permissions.can_view_room(third, room)
    assert queries.direct_conversations(olly)[0]["other"].id == member.id


def test_facilitator_introduction_opens_a_conversation_between_two_members(member, make_member, facilitator):
    olly = make_member("olly")
    room = actions.open_direct_conversation(member, olly, "Maria, meet Olly: you both brew cold.", actor=facilitator)
    message = queries.latest_messages(room, 1)[0]
    assert message.author_id == facilitator.id
    assert {u.id for u in queries.room_members(room)} == {member.id, olly.id}


def test_member_cannot_open_a_conversation_for_two_others(member, make_member):
    with pytest.raises(NotAllowed):
        actions.open_direct_conversation(make_member("olly"), make_member("thea"), actor=member)


def test_member_proposal_opens_when_a_facilitator_approves(member, facilitator):
    room = rooms.propose_room(member, "Cold brew", "Slow coffee")
    assert room.state == "proposed"
    with pytest.raises(NotAllowed):
        rooms.create_room(member, "Sneaky room")
    rooms.decide_room_proposal(facilitator, room, True, "Great idea")
    assert room.state == "open"
    assert actions.post_message(member, room, "First!").seq == 1


def test_concurrent_senders_get_distinct_gapless_sequence_numbers(app, room, make_member, db):
    """Eight members writing at once (threads, each with its own connection) never share a number."""
    import threading

    from community.auth.models import User
    from community.chat.models import Room

    ids = [make_member(f"writer{i}").id for i in range(8)]
    room_id = room.id
    errors = []
    start = threading.Barrier(len(ids))

    def write(user_id):
        with app.app_context():
            try:
                user, target = db.session.get(User, user_id), db.session.get(Room, room_id)
                start.wait()
                for n in range(3):
                    actions.post_message(user, target, f"message {n}")
            except Exception as error:  # reported below with the thread's failure
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = sorted(db.session.scalars(select(Message.seq).where(Message.room_id == room_id)))
    assert seqs == list(range(1, 25))
