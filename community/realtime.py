"""The only module that emits Socket.IO events; called after commit, never inside a transaction.

Rooms: "user:<id>" for one member's sessions, "thread:<id>" for readers of a thread (and
"thread:<id>:staff", "thread:<id>:moderators" for those of them in the narrower audiences),
"room:<id>" for a chat room, "floor" for staff with the floor open.
"""
from contextlib import nullcontext

from flask import current_app, has_request_context, render_template
from flask_socketio import emit

from .extensions import socketio
from .permissions import THREAD_AUDIENCES


def error_to_sender(error):
    """The `error` event to the socket whose event failed (inside that event's handler)."""
    emit("error", error)


def user_room(user_id):
    return f"user:{user_id}"


def thread_room(thread_id, audience="members"):
    return f"thread:{thread_id}" if audience == "members" else f"thread:{thread_id}:{audience}"


def _thread_rooms(thread_id, audience):
    """The rooms of an audience and of the narrower ones: everyone in them belongs to that audience.
    A socket in several of them gets an event once."""
    return [thread_room(thread_id, each) for each in THREAD_AUDIENCES[THREAD_AUDIENCES.index(audience):]]


def chat_room(room_id):
    return f"room:{room_id}"


def emit_to_user(user_id, event, payload, namespace="/"):
    socketio.emit(event, payload, to=user_room(user_id), namespace=namespace)


def notification(user_id, note, unread):
    """A new notification for the bell: plain text only, rendered with textContent by the client."""
    notification_payload(user_id, {"id": note.id, "kind": note.kind, "text": note.text, "url": note.url,
                                   "unread": unread, "actor": note.actor.username if note.actor is not None else None})


def notification_payload(user_id, payload):
    socketio.emit("notification", payload, to=user_room(user_id), namespace="/live")


def notification_count(user_id, unread):
    socketio.emit("notification_count", {"unread": unread}, to=user_room(user_id), namespace="/live")


def post_created(post, audience):
    """A new visible reply: open copies of the thread page whose reader is in the thread's current audience
    (permissions.thread_audience) append the server-rendered post."""
    html = _render_fragment("forum/_live_post.html", post=post, thread=post.thread)
    socketio.emit("post_created", {"thread_id": post.thread_id, "post_id": post.id, "number": post.number,
                                   "html": html}, to=_thread_rooms(post.thread_id, audience), namespace="/live")


def post_updated(post, audience):
    """An edited post: open thread pages of the thread's current audience swap in its new sanitised HTML."""
    socketio.emit("post_updated", {"thread_id": post.thread_id, "post_id": post.id, "number": post.number,
                                   "body_html": post.body_html}, to=_thread_rooms(post.thread_id, audience),
                  namespace="/live")


def thread_audience_narrowed(thread_id, audience):
    """The thread may now be read by this audience only: empty its rooms of the wider audiences (everywhere,
    also through the message queue), so pages opened earlier by people outside it hear nothing more."""
    for wider in THREAD_AUDIENCES[:THREAD_AUDIENCES.index(audience)]:
        socketio.close_room(thread_room(thread_id, wider), namespace="/live")


def vote_count(thread_id, votes, audience):
    """A feature request's vote total changed: open copies of its thread page whose reader is in the thread's
    current audience (permissions.thread_audience) show the new number."""
    socketio.emit("vote_count", {"thread_id": thread_id, "votes": votes}, to=_thread_rooms(thread_id, audience),
                  namespace="/live")


FLOOR_ROOM = "floor"


def floor_changed(section, change):
    """An item joined ("new"), changed or left ("handled") a section of the floor: staff with it open are told.

    Only the section and the kind of change travel; the floor page fetches the items itself."""
    socketio.emit("floor_changed", {"section": section, "change": change}, to=FLOOR_ROOM, namespace="/live")


def floor_reset(staff_user_ids):
    """Empty the floor's room, then ask the open floors of those still staff to watch it again.

    After a demotion: the room is emptied everywhere (also through the message queue), and only sockets
    whose member still passes the permission check get back in."""
    socketio.close_room(FLOOR_ROOM, namespace="/live")
    for user_id in staff_user_ids:
        socketio.emit("floor_reset", {}, to=user_room(user_id), namespace="/live")


# --- chat (namespace "/chat"); payloads are built by community.chat.queries before commit ---

CHAT_NAMESPACE = "/chat"


def chat_message(room_id, payload):
    """A stored message (with its room sequence number) to everyone in the room."""
    socketio.emit("chat_message", payload, to=chat_room(room_id), namespace=CHAT_NAMESPACE)


def chat_messages(room_id, payloads):
    """Messages committed together (one group commit), in sequence order: several go out as one
    "chat_messages" event carrying the list, so the room is written to once, not once per message."""
    if len(payloads) == 1:
        chat_message(room_id, payloads[0])
    elif payloads:
        socketio.emit("chat_messages", payloads, to=chat_room(room_id), namespace=CHAT_NAMESPACE)


def chat_message_changed(room_id, payload):
    """An edited message, or a deleted one's tombstone."""
    socketio.emit("message_changed", payload, to=chat_room(room_id), namespace=CHAT_NAMESPACE)


def chat_room_changed(room_id, payload):
    """A facilitator renamed, locked, archived or slowed the room."""
    socketio.emit("room_changed", payload, to=chat_room(room_id), namespace=CHAT_NAMESPACE)


def chat_muted(user_id, room_id, until, reason):
    """Tell a member's open chat pages that a facilitator muted (or unmuted) them in a room."""
    socketio.emit("muted", {"room_id": room_id, "until": until, "reason": reason}, to=user_room(user_id),
                  namespace=CHAT_NAMESPACE)


def chat_presence(room_id, people):
    """Who is in the room now: names only, shown with textContent."""
    socketio.emit("presence", {"room_id": room_id, "people": people}, to=chat_room(room_id),
                  namespace=CHAT_NAMESPACE)


def chat_typing(room_id, person, skip_sid=None):
    socketio.emit("typing", {"room_id": room_id, "person": person}, to=chat_room(room_id),
                  namespace=CHAT_NAMESPACE, skip_sid=skip_sid)


def _render_fragment(template, **context):
    """Render a viewer-independent fragment, also from a worker or CLI with no request of its own."""
    with nullcontext() if has_request_context() else current_app.test_request_context("/"):
        return render_template(template, **context)
