"""The send path's room and membership rows, kept per process so a busy room is not re-read per message.

An entry is dropped as soon as this process sees the room or the membership change through the ORM
(lock, slow mode, archive, rename, mute, leave); changes made by another server process are seen
within RECHECK_SECONDS. Counters (last_seq, last_change, last_message_at) are never kept: the write
takes the sequence number under the room's row lock, and an attached row loads them if asked.
"""
import time

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..database import attach_loaded, column_values
from . import queries
from .models import Room, RoomMember

RECHECK_SECONDS = 2.0
MAX_ENTRIES = 20000
COUNTERS = frozenset({"last_seq", "last_change", "last_message_at", "last_read_seq"})
_entries = {}  # (room_id, user_id) -> (generations, loaded_at, room values, member values or None)
_changes = {}  # room_id, or (room_id, user_id) for a membership -> changes this process saw


def _bump(key):
    _changes[key] = _changes.get(key, 0) + 1


def _generations(room_id, user_id):
    return _changes.get(room_id, 0), _changes.get((room_id, user_id), 0)


def _changed(mapper, connection, target):
    key = target.id if isinstance(target, Room) else (target.room_id, target.user_id)
    _bump(key)
    session = inspect(target).session
    if session is not None:
        session.info.setdefault("chat_rooms_changed", set()).add(key)


def _committed(session):
    # Again after commit: a sender that re-read between the flush and the commit saw the old rows.
    for key in session.info.pop("chat_rooms_changed", ()):
        _bump(key)


def _register_listeners():
    pairs = [(model, name) for model in (Room, RoomMember) for name in ("after_insert", "after_update", "after_delete")]
    for target, name, fn in [(m, n, _changed) for m, n in pairs] + [(Session, "after_commit", _committed)]:
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


_register_listeners()


def room_and_membership(room_id, user_id):
    """queries.room_and_membership for sending, from this process's recent copy when still current."""
    entry = _entries.get((room_id, user_id))
    generation = _generations(room_id, user_id)
    if entry is not None and entry[0] == generation and time.monotonic() - entry[1] < RECHECK_SECONDS:
        _, _, room_values, member_values = entry
        return attach_loaded(Room, room_values), attach_loaded(RoomMember, member_values) if member_values else None
    room, member = queries.room_and_membership(room_id, user_id)
    if room is not None:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[(room_id, user_id)] = (generation, time.monotonic(), column_values(room, COUNTERS),
                                        column_values(member, COUNTERS) if member is not None else None)
    return room, member
