"""Room management: facilitators create, rename, lock, slow, archive rooms and mute members;
members propose rooms that a facilitator approves or declines."""
from datetime import timedelta

from sqlalchemy import func, select

from .. import permissions, realtime
from ..database import after_commit, commit, utcnow
from ..errors import Invalid
from ..extensions import db
from ..moderation.audit import record_audit
from ..notifications.actions import notify
from ..notifications.models import Notification
from ..posting.policy import check_text
from ..urls import path_for
from . import queries
from .actions import ensure_membership
from .models import Room

NAME_MAX = 60
TOPIC_MAX = 300
SLOW_MODE_MAX = 3600
MUTE_MAX_MINUTES = 60 * 24 * 30


def _check_name(name, room=None):
    name = (name or "").strip() if isinstance(name, str) else ""
    if len(name) < 3:
        raise Invalid("Give the room a name of at least 3 characters.", field="name")
    if len(name) > NAME_MAX:
        raise Invalid(f"Keep the room name under {NAME_MAX} characters.", field="name")
    clash = db.session.scalar(select(Room.id).where(
        Room.kind == "public", func.lower(Room.name) == name.lower(), Room.state.in_(("open", "proposed"))))
    if clash is not None and (room is None or clash != room.id):
        raise Invalid("A room with that name already exists.", field="name")
    return name


def _check_topic(topic):
    topic = (topic or "").strip() if isinstance(topic, str) else ""
    if len(topic) > TOPIC_MAX:
        raise Invalid(f"Keep the topic under {TOPIC_MAX} characters.", field="topic")
    return topic


def _changed(room):
    payload = queries.room_payload(room)
    after_commit(lambda: realtime.chat_room_changed(room.id, payload))


def create_room(actor, name, topic=""):
    """A facilitator opens a public room."""
    permissions.require(permissions.can_create_room(actor), "Only facilitators create rooms.")
    name, topic = _check_name(name), _check_topic(topic)
    check_text(actor, {"name": name, "topic": topic})
    room = Room(kind="public", state="open", name=name, topic=topic, created_by_id=actor.id, created_at=utcnow())
    db.session.add(room)
    db.session.flush()
    ensure_membership(actor, room)
    record_audit(actor, "create_room", "room", room.id, after={"name": room.name})
    commit()
    return room


def propose_room(actor, name, topic=""):
    """A member suggests a room; it opens when a facilitator approves it."""
    permissions.require(permissions.can_propose_room(actor), "You cannot propose rooms right now.")
    name, topic = _check_name(name), _check_topic(topic)
    check_text(actor, {"name": name, "topic": topic})
    room = Room(kind="public", state="proposed", name=name, topic=topic, created_by_id=actor.id,
                created_at=utcnow())
    db.session.add(room)
    commit()
    return room


def decide_room_proposal(actor, room, approve, note=""):
    """Approve (the room opens, its proposer joins) or decline a proposed room, with a note."""
    from ..notifications.actions import notify

    permissions.require(permissions.can_decide_room_proposal(actor, room), "Only facilitators decide proposals.")
    note = (note or "").strip()[:500]
    room.state = "open" if approve else "declined"
    room.decided_by_id, room.decided_at, room.decision_note = actor.id, utcnow(), note
    if approve:
        ensure_membership(room.created_by, room)
    record_audit(actor, "approve_room" if approve else "decline_room", "room", room.id, reason=note,
                 subject_user=room.created_by)
    verdict = "approved" if approve else "declined"
    notify(room.created_by_id, "moderation", f"Your room proposal “{room.name}” was {verdict}"
           + (f": {note}" if note else "."), "/chat/", actor=actor, commit_now=False)
    commit()
    return room


def rename_room(actor, room, name, topic=None, reason=""):
    permissions.require(permissions.can_manage_room(actor, room), "Only facilitators rename rooms.")
    before = {"name": room.name, "topic": room.topic}
    name = _check_name(name, room)
    topic = room.topic if topic is None else _check_topic(topic)
    check_text(actor, {"name": name, "topic": topic}, previous=before)
    room.name, room.topic = name, topic
    record_audit(actor, "rename_room", "room", room.id, reason=reason, before=before,
                 after={"name": room.name, "topic": room.topic})
    _changed(room)
    commit()
    return room


def set_room_locked(actor, room, locked, reason=""):
    """Locked rooms are read-only for members; facilitators can still write."""
    permissions.require(permissions.can_manage_room(actor, room), "Only facilitators lock rooms.")
    room.locked = bool(locked)
    record_audit(actor, "lock_room" if locked else "unlock_room", "room", room.id, reason=reason)
    _changed(room)
    commit()
    return room


def set_slow_mode(actor, room, seconds, reason=""):
    """One message per member every `seconds` (0 turns slow mode off)."""
    permissions.require(permissions.can_manage_room(actor, room), "Only facilitators set slow mode.")
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        raise Invalid("Slow mode is a number of seconds.", field="seconds") from None
    if not 0 <= seconds <= SLOW_MODE_MAX:
        raise Invalid(f"Slow mode is between 0 and {SLOW_MODE_MAX} seconds.", field="seconds")
    before = room.slow_mode_seconds
    room.slow_mode_seconds = seconds
    record_audit(actor, "slow_mode_room", "room", room.id, reason=reason, before={"seconds": before},
                 after={"seconds": seconds})
    _changed(room)
    commit()
    return room


def archive_room(actor, room, reason=""):
    """Archived rooms keep their history for reading and take no new messages."""
    permissions.require(permissions.can_manage_room(actor, room), "Only facilitators archive rooms.")
    room.state = "archived"
    record_audit(actor, "archive_room", "room", room.id, reason=reason)
    _changed(room)
    commit()
    return room


def mute_member(actor, room, user, minutes, reason=""):
    """Stop a member writing in one room for a while (0 minutes lifts the mute)."""
    permissions.require(permissions.can_manage_room(actor, room), "Only facilitators mute members.")
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise Invalid("Mute for a number of minutes.", field="minutes") from None
    if not 0 <= minutes <= MUTE_MAX_MINUTES:
        raise Invalid(f"A mute lasts between 0 and {MUTE_MAX_MINUTES} minutes.", field="minutes")
    if permissions.is_moderator(user):
        raise Invalid("Facilitators cannot be muted.", field="user")
    reason = (reason or "").strip()[:500]
    member = ensure_membership(user, room)
    member.muted_until = utcnow() + timedelta(minutes=minutes) if minutes else None
    member.mute_reason = reason if minutes else ""
    record_audit(actor, "mute_in_room" if minutes else "unmute_in_room", "room", room.id, reason=reason,
                 subject_user=user, after={"minutes": minutes})
    until = member.muted_until.isoformat() + "Z" if member.muted_until else None
    after_commit(lambda: realtime.chat_muted(user.id, room.id, until, reason))
    commit()
    return member


def invite_to_room(actor, room, invitee):
    """Invite a member to a public room: they are notified with a link; one unread invitation at a time."""
    permissions.require(permissions.can_invite_to_room(actor, room, invitee), "You can't invite them to this room.")
    url = path_for("chat.room", room_id=room.id)
    pending = db.session.scalar(select(Notification.id).where(
        Notification.user_id == invitee.id, Notification.kind == "room_invite", Notification.url == url,
        Notification.read_at.is_(None)))
    if pending is not None:
        raise Invalid(f"{invitee.name} has an invitation to this room already.", field="username")
    return notify(invitee.id, "room_invite", f"{actor.name} invited you to the room “{room.name}”", url, actor=actor)
