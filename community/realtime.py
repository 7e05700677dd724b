"""The only module that emits Socket.IO events; called after commit, never inside a transaction.

Rooms: "user:<id>" for one member's sessions, "thread:<id>" for readers of a thread,
"room:<id>" for a chat room.
"""
from .extensions import socketio


def user_room(user_id):
    return f"user:{user_id}"


def thread_room(thread_id):
    return f"thread:{thread_id}"


def chat_room(room_id):
    return f"room:{room_id}"


def emit_to_user(user_id, event, payload, namespace="/"):
    socketio.emit(event, payload, to=user_room(user_id), namespace=namespace)


def notification(user_id, note, unread):
    """A new notification for the bell: plain text only, rendered with textContent by the client."""
    payload = {"id": note.id, "kind": note.kind, "text": note.text, "url": note.url, "unread": unread,
               "actor": note.actor.username if note.actor is not None else None}
    socketio.emit("notification", payload, to=user_room(user_id), namespace="/live")


def notification_count(user_id, unread):
    socketio.emit("notification_count", {"unread": unread}, to=user_room(user_id), namespace="/live")
