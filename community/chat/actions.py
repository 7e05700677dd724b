"""Chat state changes: messages (post, edit, delete), read marks and direct conversations."""
from flask import current_app, has_request_context, url_for
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from .. import markup, permissions, realtime
from ..auth.models import User
from ..database import after_commit, commit, rollback, utcnow
from ..errors import Invalid, NotAllowed, RateLimited
from ..extensions import db
from ..i18n import format_duration, format_moment, format_wait
from ..moderation.audit import record_audit
from ..notifications.actions import notify
from ..posting.policy import check_text
from . import queries
from .grouping import Pending, write_grouped
from .limits import check_message_rate
from .models import Message, MessageRevision, Room, RoomMember


def ensure_membership(user, room):
    """The member's row in a room, added the first time they enter (not committed here)."""
    member = db.session.get(RoomMember, (room.id, user.id))
    if member is None:
        member = RoomMember(room_id=room.id, user_id=user.id, last_read_seq=0, joined_at=utcnow())
        db.session.add(member)
    return member


def _check_body(body):
    body = (body or "").strip() if isinstance(body, str) else None
    if body is None:
        raise Invalid("A message is text.", field="body")
    limit = current_app.config["CHAT_MESSAGE_MAX"]
    if not body:
        raise Invalid("Write something before sending.", field="body")
    if len(body) > limit:
        raise Invalid(f"Messages are limited to {limit} characters; this one has {len(body)}.", field="body")
    return body


def _url(endpoint, **values):
    """A site path, also when called outside a request (CLI, workers, tests of actions)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def _render(room, source):
    """Render chat Markdown, linking @mentions of members who can read this room."""
    limit = current_app.config["CHAT_MAX_MENTIONS"]
    seen = []

    def resolve(name):
        if len(seen) >= limit:
            return None
        user = db.session.scalar(select(User).where(User.username_lower == name.lower()))
        if user is None or not user.is_active or not permissions.can_view_room(user, room):
            return None
        seen.append(user)
        return user.username

    rendered = markup.render_chat(source, mention_url=lambda n: _url("auth.profile", username=n),
                                  resolve_mention=resolve)
    return rendered, {u.username: u for u in seen if u.username in rendered.mentions}


def write_refusal(user, room, member):
    """Why user may not write in room, in words they understand."""
    if room.state == "archived":
        return "This room is archived: it is kept for reading only."
    if room.state != "open":
        return "This room is not open yet."
    if user.is_silenced():
        return (f"Your account is silenced until {format_moment(user.silenced_until)}: you can read but not "
                f"write. Reason: {user.silenced_reason}")
    if room.locked:
        return "This room is locked by a facilitator: only facilitators can write for now."
    if member is not None and member.is_muted():
        return (f"A facilitator muted you in this room until {format_moment(member.muted_until)}"
                + (f": {member.mute_reason}" if member.mute_reason else "."))
    return "You cannot write in this room."


def _check_slow_mode(author, room):
    if not room.slow_mode_seconds or permissions.is_moderator(author):
        return
    last = db.session.scalar(select(func.max(Message.created_at))
                             .where(Message.room_id == room.id, Message.author_id == author.id))
    if last is None:
        return
    wait = room.slow_mode_seconds - int((utcnow() - last).total_seconds())
    if wait > 0:
        raise RateLimited(f"This room is in slow mode: one message every "
                          f"{format_duration(room.slow_mode_seconds)}. You can write again in {format_wait(wait)}.",
                          retry_after=wait)


def _next_counter(room, column, **also):
    """Increment one of the room's counters with the row locked until commit, so concurrent
    writers on any server process get distinct, increasing numbers and commit in that order.
    Other room columns to set ride along in the same statement (one round trip)."""
    value = db.session.execute(
        update(Room).where(Room.id == room.id).values({column: getattr(Room, column) + 1, **also})
        .returning(getattr(Room, column)),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    set_committed_value(room, column, value)
    for key, other in also.items():
        set_committed_value(room, key, other)
    return value


def _message_url(room, seq):
    return _url("chat.room", room_id=room.id) + f"#m-{seq}"


def _notify_mentions(author, room, message, mentioned):
    label = queries.room_title(room, author) if room.kind == "public" else "a conversation"
    for user in mentioned.values():
        notify(user.id, "mention", f"{author.username} mentioned you in {label}",
               _message_url(room, message.seq), actor=author, commit_now=False)


def _notify_direct(author, room_id, message, link):
    """Tell the other person about a direct message when it is the first one they have not read."""
    for member in db.session.scalars(select(RoomMember).where(RoomMember.room_id == room_id,
                                                              RoomMember.user_id != author.id)):
        if _only_unread(member, message):
            notify(member.user_id, "direct_message", f"{author.username} sent you a message", link,
                   actor=author, commit_now=False)


def _only_unread(member, message):
    earlier_unread = db.session.scalar(select(func.count(Message.id)).where(
        Message.room_id == message.room_id, Message.seq > member.last_read_seq, Message.seq < message.seq,
        Message.author_id != member.user_id, Message.deleted_at.is_(None)))
    return earlier_unread == 0


def post_message(author, room, body, override=False):
    """Store a message with the room's next sequence number; fan it out once it is committed.
    override is a staff member's "Send anyway" past the no-hard-sell check (logged with the message)."""
    body = _check_body(body)
    member = db.session.get(RoomMember, (room.id, author.id))
    if not permissions.can_post_in_room(author, room, member):
        raise NotAllowed(write_refusal(author, room, member))
    checked = check_text(author, {"body": body}, override=override)
    _check_slow_mode(author, room)
    check_message_rate(author)
    # Public rooms are where many write at once; the caller has only read so far, so it may wait.
    return _store_message(author, room, body, member, grouped=room.kind == "public", checked=checked)


def _store_message(author, room, body, member=None, grouped=False, checked=None):
    """Render in the sender's own context, then store: through the room's group commit, or (when the
    caller's transaction carries its own changes, as an introduction does) in the caller's transaction."""
    item = _pending(author, room, body, member, checked)
    room_id = room.id
    if not grouped:
        _write_batch(room_id, [item])
        return item.result
    key = (id(current_app._get_current_object()), room_id)
    return write_grouped(key, item, lambda batch: _write_batch(room_id, batch), before_wait=rollback)


def _pending(author, room, body, member, checked=None):
    """A checked message, rendered in its sender's context, ready for a batch."""
    rendered, mentioned = _render(room, body)
    return Pending(checked=checked,
        author_id=author.id, author=queries.author_payload(author), body=body, html=rendered.html,
        by_staff=permissions.is_staff(author), mention_ids=[u.id for u in mentioned.values()],
        mention_text=f"{author.username} mentioned you in "
                     + (queries.room_title(room, author) if room.kind == "public" else "a conversation"),
        url=_url("chat.room", room_id=room.id), join=room.kind == "public" and member is None,
        direct=room.kind == "direct", username=author.username,
    )


def _write_batch(room_id, batch):
    """One transaction for a batch of messages to one room: consecutive sequence numbers taken under
    the room's row lock, one insert, notifications, commit, then the fan-out: the batch in one event."""
    now = utcnow()
    last = db.session.execute(
        update(Room).where(Room.id == room_id)
        .values(last_seq=Room.last_seq + len(batch), last_message_at=now).returning(Room.last_seq),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    messages = []
    for offset, item in enumerate(batch):
        if item.join and db.session.get(RoomMember, (room_id, item.author_id)) is None:
            db.session.add(RoomMember(room_id=room_id, user_id=item.author_id, last_read_seq=0, joined_at=now))
        message = Message(room_id=room_id, seq=last - len(batch) + 1 + offset, author_id=item.author_id,
                          body_source=item.body, body_html=item.html, by_staff=item.by_staff, created_at=now)
        db.session.add(message)
        messages.append(message)
    db.session.flush()
    for item, message in zip(batch, messages):
        if item.checked is not None:
            item.checked.record_override("room", room_id)  # a "Send anyway", logged with the message
        link = item.url + f"#m-{message.seq}"
        for user_id in item.mention_ids:
            notify(user_id, "mention", item.mention_text, link, actor=db.session.get(User, item.author_id),
                   commit_now=False)
        if item.direct:
            _notify_direct(db.session.get(User, item.author_id), room_id, message, link)
        message.payload = item.result = queries.new_message_payload(message, item.author)
    payloads = [m.payload for m in messages]
    after_commit(lambda: realtime.chat_messages(room_id, payloads))
    commit()
    for item, message in zip(batch, messages):
        item.result = message


def edit_message(editor, message, body):
    """Change a message's text, keeping the previous text as a revision; it shows as edited."""
    permissions.require(permissions.can_edit_message(editor, message), "You can only edit your own messages.")
    body = _check_body(body)
    if body == message.body_source:
        return message
    check_text(editor, {"body": body}, previous={"body": message.body_source})
    room = message.room
    previous = {u for u in markup.render_chat(message.body_source, mention_url=lambda n: n).mentions}
    rendered, mentioned = _render(room, body)
    message.revision_count += 1
    db.session.add(MessageRevision(message_id=message.id, number=message.revision_count,
                                   body_source=message.body_source, edited_by_id=editor.id, created_at=utcnow()))
    message.body_source, message.body_html, message.edited_at = body, rendered.html, utcnow()
    message.change_no = _next_counter(room, "last_change")
    _notify_mentions(editor, room, message, {k: v for k, v in mentioned.items() if k not in previous})
    payload = queries.message_payload(message)
    after_commit(lambda: realtime.chat_message_changed(room.id, payload))
    commit()
    return message


def delete_message(actor, message, reason=""):
    """Delete a message, leaving a tombstone; a facilitator deleting someone else's gives a reason,
    kept in the audit log with the text."""
    permissions.require(permissions.can_delete_message(actor, message), "You can only delete your own messages.")
    reason = (reason or "").strip()[:500] if isinstance(reason, str) else ""
    room = message.room
    if message.author_id != actor.id:
        if not reason:
            raise Invalid("Give a reason when deleting someone else's message.", field="reason")
        record_audit(actor, "delete_chat_message", "message", message.id, reason=reason,
                     subject_user=message.author, before={"room_id": room.id, "seq": message.seq,
                                                          "body": message.body_source})
    message.deleted_at, message.deleted_by_id, message.delete_reason = utcnow(), actor.id, reason
    message.change_no = _next_counter(room, "last_change")
    payload = queries.message_payload(message)
    after_commit(lambda: realtime.chat_message_changed(room.id, payload))
    commit()
    return message


def mark_read(user, room, seq):
    """Move the member's read mark forward to seq (never back)."""
    member = db.session.get(RoomMember, (room.id, user.id))
    if member is None:
        return 0
    seq = min(int(seq), room.last_seq)
    if seq > member.last_read_seq:
        member.last_read_seq = seq
        commit()
    return member.last_read_seq


def enter_room(user, room):
    """A member opens a room: public rooms keep a membership row for unread counts."""
    permissions.require(permissions.can_view_room(user, room), "You cannot see this room.")
    if room.kind == "public" and room.state == "open":
        if db.session.get(RoomMember, (room.id, user.id)) is None:
            # History from before joining is not "unread": the room opens at its latest page.
            ensure_membership(user, room).last_read_seq = room.last_seq
            commit()
    return db.session.get(RoomMember, (room.id, user.id))


def open_direct_conversation(a, b, opening_message=None, actor=None):
    """The one direct conversation between members a and b, created if needed. actor (default a)
    may be a facilitator introducing the two; opening_message, if given, is posted by actor."""
    actor = actor or a
    permissions.require(permissions.can_open_direct(actor, a, b), "You cannot start that conversation.")
    if opening_message is not None:
        opening_message = _check_body(opening_message)
        check_text(actor, {"body": opening_message})
    low, high = sorted((a.id, b.id))
    key = f"{low}:{high}"
    room = db.session.scalar(select(Room).where(Room.direct_key == key))
    if room is None:
        room = Room(kind="direct", state="open", name="", direct_key=key, created_by_id=actor.id, created_at=utcnow())
        db.session.add(room)
        db.session.flush()
        for user in (a, b):
            db.session.add(RoomMember(room_id=room.id, user_id=user.id, last_read_seq=0, joined_at=utcnow()))
        db.session.flush()
        if opening_message is None:
            commit()
    if opening_message is not None:
        member = db.session.get(RoomMember, (room.id, actor.id))
        introducing = actor.id not in (a.id, b.id)
        if not introducing and not permissions.can_post_in_room(actor, room, member):
            raise NotAllowed(write_refusal(actor, room, member))
        check_message_rate(actor)
        _store_message(actor, room, opening_message, member)
    return room
