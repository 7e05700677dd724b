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
