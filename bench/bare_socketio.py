"""The ceiling for bench/chat.py: a bare python-socketio broadcast server with no app logic.

Served like the app: `gunicorn -k gevent -w 1 bench.bare_socketio:app`. The payload mimics the app's
message shape so both servers push frames of about the same size.
"""
import itertools

import socketio

sio = socketio.Server(async_mode="gevent", cors_allowed_origins="*")
app = socketio.WSGIApp(sio)
_seq = itertools.count(1)


@sio.on("join", namespace="/chat")
def join(sid, data):
    sio.enter_room(sid, "room", namespace="/chat")
    return {"ok": True}


@sio.on("send", namespace="/chat")
def send(sid, data):
    payload = {"id": 0, "room_id": 1, "seq": next(_seq),
               "author": {"id": 1, "username": "bench", "name": "bench", "staff": False},
               "body_html": "<p>" + str(data.get("body", "")) + "</p>", "created_at": "2026-01-01T00:00:00Z",
               "edited": False, "edited_at": None, "deleted": False, "deleted_by_moderator": False, "change_no": 0}
    sio.emit("chat_message", payload, to="room", namespace="/chat")
    return {"ok": True, "message": payload}
