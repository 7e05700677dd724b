"""Who is in which room now: kept in Redis when REDIS_URL is set (so every server process sees
the same people), in this process's memory otherwise. Each socket keeps its own entry, so a member
with two tabs stays present until both leave."""
import json
import threading

import redis
from flask import current_app

_KEY = "tummler:chat:presence:{room_id}"


class MemoryPresence:
    def __init__(self):
        self._rooms = {}
        self._lock = threading.Lock()

    def add(self, room_id, sid, person):
        with self._lock:
            self._rooms.setdefault(room_id, {})[sid] = person

    def remove(self, room_id, sid):
        with self._lock:
            self._rooms.get(room_id, {}).pop(sid, None)

    def entries(self, room_id):
        with self._lock:
            return list(self._rooms.get(room_id, {}).values())


class RedisPresence:
    def __init__(self, url):
        self._redis = redis.Redis.from_url(url)

    def add(self, room_id, sid, person):
        self._redis.hset(_KEY.format(room_id=room_id), sid, json.dumps(person))

    def remove(self, room_id, sid):
        self._redis.hdel(_KEY.format(room_id=room_id), sid)

    def entries(self, room_id):
        return [json.loads(v) for v in self._redis.hvals(_KEY.format(room_id=room_id))]


# Which rooms each socket of this process has joined, to clean up when it disconnects.
_joined = {}
_joined_lock = threading.Lock()


def _store():
    app = current_app._get_current_object()
    store = app.extensions.get("chat_presence")
    if store is None:
        url = app.config.get("REDIS_URL")
        store = RedisPresence(url) if url else MemoryPresence()
        app.extensions["chat_presence"] = store
    return store


def enter(room_id, sid, person):
    _store().add(room_id, sid, person)
    with _joined_lock:
        _joined.setdefault(sid, set()).add(room_id)


def leave(room_id, sid):
    _store().remove(room_id, sid)
    with _joined_lock:
        _joined.get(sid, set()).discard(room_id)


def leave_all(sid):
    """Forget a disconnected socket everywhere; returns the rooms it was in."""
    with _joined_lock:
        rooms = _joined.pop(sid, set())
    for room_id in rooms:
        _store().remove(room_id, sid)
    return rooms


def people(room_id):
    """Distinct people present, sorted by name."""
    unique = {p["id"]: p for p in _store().entries(room_id)}
    return sorted(unique.values(), key=lambda p: p["username"].lower())
