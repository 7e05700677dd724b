"""The "/chat" Socket.IO namespace: thin handlers that check the payload's shape, call chat
actions and queries, and answer with an acknowledgement ({"ok": true, ...} or an error)."""
from flask import current_app, request
from flask_login import current_user
from flask_socketio import Namespace, join_room, leave_room

from .. import permissions, realtime
from ..errors import Invalid, NotAllowed, NotFound
from ..extensions import db
from ..sockets import refuse_anonymous, socket_event
from . import actions, presence, queries, sendcache
from .models import Message


def _field(data, name, kind, required=True):
    """One field of an event payload, of the expected type, or Invalid."""
    if not isinstance(data, dict):
        raise Invalid("Send an object with the fields this event needs.")
    value = data.get(name)
    if value is None and not required:
        return None
    if kind is int and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31):
        raise Invalid(f"{name} must be a whole number.", field=name)
    if kind is str and not isinstance(value, str):
        raise Invalid(f"{name} must be text.", field=name)
    if kind is bool and not isinstance(value, bool):
        raise Invalid(f"{name} must be true or false.", field=name)
    return value


def _room(data):
    # The member's own row comes along in the same query, so the action finds it without another.
    room, _member = queries.room_and_membership(_field(data, "room_id", int), current_user.id)
    if room is None or not permissions.can_view_room(current_user, room):
        raise NotFound("There is no such room.")
    return room


def _message(data):
    message = db.session.get(Message, _field(data, "message_id", int))
    if message is None or not permissions.can_view_room(current_user, message.room):
        raise NotFound("There is no such message.")
    return message


def _me():
    return queries.author_payload(current_user)


class ChatNamespace(Namespace):
    def on_connect(self, auth=None):
        refuse_anonymous()
        join_room(realtime.user_room(current_user.id))

    def on_disconnect(self, reason=None):
        for room_id in presence.leave_all(request.sid):
            realtime.chat_presence(room_id, presence.people(room_id))

    @socket_event
    def on_join(self, data):
        """Enter a room. With last_seq, get exactly what was missed since; without, the latest page."""
        room = _room(data)
        last_seq = _field(data, "last_seq", int, required=False)
        last_change = _field(data, "last_change", int, required=False)
        actions.enter_room(current_user, room)
        # Join before reading, so anything committed after the read arrives live (clients drop
        # the duplicates by sequence number): no gap between history and live messages.
        join_room(realtime.chat_room(room.id))
        presence.enter(room.id, request.sid, _me())
        people = presence.people(room.id)
        realtime.chat_presence(room.id, people)
        config = current_app.config
        if last_seq is None:
            rows = queries.latest_messages(room, config["CHAT_HISTORY_PAGE"])
            caught = {"messages": [queries.message_payload(m) for m in rows], "updates": [], "more": False,
                      "last_change": room.last_change, "has_older": bool(rows) and rows[0].seq > 1}
        else:
            caught = queries.catch_up(room, last_seq, last_change, config["CHAT_SYNC_MAX"])
        return {"ok": True, "room": queries.room_payload(room), "people": people, **caught}

    @socket_event
    def on_leave(self, data):
        room = _room(data)
        leave_room(realtime.chat_room(room.id))
        presence.leave(room.id, request.sid)
        realtime.chat_presence(room.id, presence.people(room.id))
        return {"ok": True}

    @socket_event
    def on_send(self, data):
        """Post a message; the acknowledgement comes only after it is committed."""
        room, _member = sendcache.room_and_membership(_field(data, "room_id", int), current_user.id)
        if room is None or not permissions.can_view_room(current_user, room):
            raise NotFound("There is no such room.")
        message = actions.post_message(current_user, room, _field(data, "body", str),
                                       override=bool(_field(data, "override", bool, required=False)))
        return {"ok": True, "message": message.payload}

    @socket_event
    def on_edit(self, data):
        message = actions.edit_message(current_user, _message(data), _field(data, "body", str))
        return {"ok": True, "message": queries.message_payload(message)}

    @socket_event
    def on_delete(self, data):
        reason = _field(data, "reason", str, required=False) or ""
        message = actions.delete_message(current_user, _message(data), reason)
        return {"ok": True, "message": queries.message_payload(message)}

    @socket_event
    def on_sync(self, data):
        """Catch up after a gap: everything after last_seq, in order, plus later edits and deletes."""
        room = _room(data)
        return {"ok": True, **queries.catch_up(room, _field(data, "last_seq", int),
                                               _field(data, "last_change", int, required=False),
                                               current_app.config["CHAT_SYNC_MAX"])}

    @socket_event
    def on_history(self, data):
        """Scroll back: the page of messages before before_seq."""
        room = _room(data)
        rows = queries.messages_before(room, _field(data, "before_seq", int), current_app.config["CHAT_HISTORY_PAGE"])
        return {"ok": True, "messages": [queries.message_payload(m) for m in rows],
                "has_older": bool(rows) and rows[0].seq > 1}

    @socket_event
    def on_typing(self, data):
        room = _room(data)
        member = queries.membership(current_user, room)
        if not permissions.can_post_in_room(current_user, room, member):
            raise NotAllowed(actions.write_refusal(current_user, room, member))
        realtime.chat_typing(room.id, _me(), skip_sid=request.sid)
        return {"ok": True}

    @socket_event
    def on_read(self, data):
        room = _room(data)
        return {"ok": True, "last_read_seq": actions.mark_read(current_user, room, _field(data, "seq", int))}
