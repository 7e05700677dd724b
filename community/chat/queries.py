"""Chat reads: room listings with unread counts, history pages, catch-up, and JSON payloads."""
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from .. import permissions
from ..auth.models import User
from ..extensions import db
from .models import Message, Room, RoomMember


def _iso(value):
    return value.isoformat() + "Z" if value is not None else None


def author_payload(user):
    """Names only: clients put them in the page with textContent."""
    return {"id": user.id, "username": user.username, "name": user.name, "staff": permissions.is_staff(user)}


def message_payload(message):
    """A message as clients see it: server-sanitised HTML, or nothing once deleted (a tombstone)."""
    deleted = message.deleted_at is not None
    return {
        "id": message.id,
        "room_id": message.room_id,
        "seq": message.seq,
        "author": author_payload(message.author),
        "body_html": "" if deleted else message.body_html,
        "created_at": _iso(message.created_at),
        "edited": message.edited_at is not None,
        "edited_at": _iso(message.edited_at),
        "deleted": deleted,
        "deleted_by_moderator": deleted and message.deleted_by_id != message.author_id,
        "change_no": message.change_no or 0,
    }


def new_message_payload(message, author):
    """message_payload for a message just written, with its author's payload given (no reload)."""
    return {
        "id": message.id, "room_id": message.room_id, "seq": message.seq, "author": author,
        "body_html": message.body_html, "created_at": _iso(message.created_at), "edited": False,
        "edited_at": None, "deleted": False, "deleted_by_moderator": False, "change_no": 0,
    }


def room_payload(room):
    return {"id": room.id, "kind": room.kind, "name": room.name, "topic": room.topic, "state": room.state,
            "locked": room.locked, "slow_mode_seconds": room.slow_mode_seconds, "last_seq": room.last_seq,
            "last_change": room.last_change}


def room_and_membership(room_id, user_id):
    """A room and the member's row in it (None when not joined), in one round trip."""
    row = db.session.execute(
        select(Room, RoomMember).outerjoin(RoomMember, and_(RoomMember.room_id == Room.id,
                                                            RoomMember.user_id == user_id))
        .where(Room.id == room_id)).first()
    return (row[0], row[1]) if row is not None else (None, None)


def membership(user, room):
    return db.session.get(RoomMember, (room.id, user.id))


def _unread_expr(user_id):
    """Messages in a room after the member's read mark, not their own and not deleted."""
    return (
        select(func.count(Message.id))
        .where(Message.room_id == Room.id, Message.author_id != user_id, Message.deleted_at.is_(None),
               Message.seq > func.coalesce(
                   select(RoomMember.last_read_seq)
                   .where(RoomMember.room_id == Room.id, RoomMember.user_id == user_id)
                   .correlate(Room).scalar_subquery(), 0))
        .correlate(Room)
        .scalar_subquery()
    )


def public_rooms(user, state="open"):
    """Rooms in a state with topic, member count and this member's unread count, busiest first."""
    members = (select(func.count()).where(RoomMember.room_id == Room.id).correlate(Room).scalar_subquery())
    unread = _unread_expr(user.id) if permissions._signed_in(user) else select(0).scalar_subquery()
    joined = (select(func.count()).where(RoomMember.room_id == Room.id, RoomMember.user_id == user.id)
              .correlate(Room).scalar_subquery()) if permissions._signed_in(user) else select(0).scalar_subquery()
    query = (select(Room, members, unread, joined).where(Room.kind == "public", Room.state == state)
             .order_by(Room.last_message_at.desc().nulls_last(), Room.name))
    if state == "proposed" and not permissions.is_moderator(user):
        query = query.where(Room.created_by_id == user.id)
    return [{"room": room, "member_count": count, "unread": unread_count if joined_flag else 0,
             "joined": bool(joined_flag)}
            for room, count, unread_count, joined_flag in db.session.execute(query)]


def direct_conversations(user):
    """A member's direct conversations: the other person, the unread count, latest first."""
    mine = aliased(RoomMember)
    other = aliased(RoomMember)
    query = (
        select(Room, User, _unread_expr(user.id))
        .join(mine, and_(mine.room_id == Room.id, mine.user_id == user.id))
        .join(other, and_(other.room_id == Room.id, other.user_id != user.id))
        .join(User, User.id == other.user_id)
        .where(Room.kind == "direct")
        .order_by(Room.last_message_at.desc().nulls_last(), Room.id.desc())
    )
    return [{"room": room, "other": other_user, "unread": count} for room, other_user, count in db.session.execute(query)]


def room_members(room):
    return list(db.session.scalars(
        select(User).join(RoomMember, RoomMember.user_id == User.id).where(RoomMember.room_id == room.id)
        .order_by(User.username_lower)))


def direct_partner(room, user):
    """The other person in a direct conversation."""
    return db.session.scalar(
        select(User).join(RoomMember, RoomMember.user_id == User.id)
        .where(RoomMember.room_id == room.id, RoomMember.user_id != user.id))


def room_title(room, user):
    if room.kind == "direct":
        partner = direct_partner(room, user)
        return f"Conversation with {partner.name}" if partner is not None else "Conversation"
    return room.name


def latest_messages(room, limit):
    """The newest page of a room, oldest first."""
    rows = db.session.scalars(select(Message).where(Message.room_id == room.id)
                              .order_by(Message.seq.desc()).limit(limit))
    return list(reversed(list(rows)))


def messages_before(room, before_seq, limit):
    """The page of messages just older than before_seq, oldest first (scrolling back)."""
    rows = db.session.scalars(select(Message).where(Message.room_id == room.id, Message.seq < before_seq)
                              .order_by(Message.seq.desc()).limit(limit))
    return list(reversed(list(rows)))


def messages_since(room, since_seq, limit):
    """Messages after since_seq in order (catching up after a reconnect)."""
    return list(db.session.scalars(select(Message).where(Message.room_id == room.id, Message.seq > since_seq)
                                   .order_by(Message.seq).limit(limit)))


def changes_since(room, since_change, up_to_seq):
    """Messages the client already had that were edited or deleted after since_change."""
    return list(db.session.scalars(
        select(Message).where(Message.room_id == room.id, Message.change_no > since_change,
                              Message.seq <= up_to_seq).order_by(Message.change_no)))


def catch_up(room, since_seq, since_change, limit):
    """Everything a client that saw up to since_seq (and change since_change) has missed."""
    missed = messages_since(room, since_seq, limit)
    updates = changes_since(room, since_change, since_seq) if since_change is not None else []
    return {
        "messages": [message_payload(m) for m in missed],
        "updates": [message_payload(m) for m in updates],
        "more": len(missed) >= limit,
        "last_change": room.last_change,
    }
