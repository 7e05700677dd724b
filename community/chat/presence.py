"""Who is in which room now: kept in Redis when REDIS_URL is set (so every server process sees
the same people), in this process's memory otherwise. Each socket keeps its own entry, so a member
with two tabs stays present until both leave.

In Redis, a process that crashes (kill -9, power loss) cannot remove its sockets' entries, so each
entry names the process holding the socket, and each process keeps a heartbeat key alive with a TTL
(CHAT_PRESENCE_TTL). Readers ignore the entries of a process whose heartbeat has expired and delete
them; every process re-reads its own rooms at each beat and tells them when someone vanished that way.
A restarted process has a new id, so it inherits nothing from its predecessor."""
import json
import os
import threading
import time
import uuid
import weakref

import redis
from flask import current_app


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

    def sweep(self, room_ids):
        return []  # one process: its entries go when its sockets disconnect


class RedisPresence:
    """Per room a hash "<process id>:<sid>" -> person; per process a heartbeat key with a TTL.
    Keys start with prefix (the Socket.IO channel), so deployments sharing a Redis stay apart."""

    def __init__(self, url, prefix, ttl):
        self._redis = redis.Redis.from_url(url)
        self.prefix, self.ttl = prefix, max(1, int(ttl))
        # A room's hash outlives its last live process by a few TTLs, even if nobody reads it again.
        self._room_ttl = 3 * self.ttl
        self.process_id = uuid.uuid4().hex[:16]
        self.pid = os.getpid()
        self._mine = {}  # (room_id, sid) -> person: to write back if our own heartbeat ever lapsed
        self._lock = threading.Lock()

    def _room_key(self, room_id):
        return f"{self.prefix}:presence:room:{room_id}"

    def _alive_key(self, process_id):
        return f"{self.prefix}:presence:process:{process_id}"

    def beat(self):
        """Renew this process's heartbeat. If it had lapsed (the process stalled longer than the TTL),
        others may have deleted our entries as stale: write them back."""
        renewed = self._redis.set(self._alive_key(self.process_id), "1", ex=self.ttl, xx=True)
        if renewed:
            return
        self._redis.set(self._alive_key(self.process_id), "1", ex=self.ttl)
        with self._lock:
            mine = dict(self._mine)
        pipe = self._redis.pipeline(transaction=False)
        for (room_id, sid), person in mine.items():
            pipe.hset(self._room_key(room_id), f"{self.process_id}:{sid}", json.dumps(person))
        pipe.execute()

    def add(self, room_id, sid, person):
        with self._lock:
            self._mine[(room_id, sid)] = person
        pipe = self._redis.pipeline(transaction=False)
        pipe.hset(self._room_key(room_id), f"{self.process_id}:{sid}", json.dumps(person))
        pipe.expire(self._room_key(room_id), self._room_ttl)
        pipe.execute()

    def remove(self, room_id, sid):
        with self._lock:
            self._mine.pop((room_id, sid), None)
        self._redis.hdel(self._room_key(room_id), f"{self.process_id}:{sid}")

    def entries(self, room_id):
        return self._read(room_id)[0]

    def sweep(self, room_ids):
        """Read each room, deleting entries of dead processes; returns the rooms where some went.
        Also keeps the rooms' hashes from expiring while this process has sockets in them."""
        changed = [room_id for room_id in room_ids if self._read(room_id)[1]]
        pipe = self._redis.pipeline(transaction=False)
        for room_id in room_ids:
            pipe.expire(self._room_key(room_id), self._room_ttl)
        pipe.execute()
        return changed

    def _read(self, room_id):
        """(people of live processes, how many stale entries this call deleted)."""
        key = self._room_key(room_id)
        fields = self._redis.hgetall(key)
        by_process = {}
        for field, value in fields.items():
            process_id, _, _sid = field.decode().partition(":")
            by_process.setdefault(process_id, []).append((field, value))
        others = [p for p in by_process if p != self.process_id]
        pipe = self._redis.pipeline(transaction=False)
        for process_id in others:
            pipe.exists(self._alive_key(process_id))
        dead = {p for p, alive in zip(others, pipe.execute() if others else []) if not alive}
        stale = [field for p in dead for field, _ in by_process[p]]
        removed = self._redis.hdel(key, *stale) if stale else 0
        people = [json.loads(value) for p, pairs in by_process.items() if p not in dead for _, value in pairs]
        return people, removed


# Which rooms each socket of this process has joined, to clean up when it disconnects.
_joined = {}
_joined_lock = threading.Lock()


def _store():
    app = current_app._get_current_object()
    store = app.extensions.get("chat_presence")
    # A store made before a fork (a preloading server) belongs to the parent: make this process its own.
    if store is None or getattr(store, "pid", os.getpid()) != os.getpid():
        url = app.config.get("REDIS_URL")
        if url:
            store = RedisPresence(url, app.config["SOCKETIO_CHANNEL"], app.config["CHAT_PRESENCE_TTL"])
            store.beat()
            _start_heartbeat(app, store)
        else:
            store = MemoryPresence()
        app.extensions["chat_presence"] = store
    return store


def _start_heartbeat(app, store):
    """Beat every third of the TTL, and tell this process's rooms when a dead process's members went.
    Holds the store weakly: a store that was replaced (a new app, a fork) lets its loop end."""
    ref = weakref.ref(store)
    interval = store.ttl / 3

    def loop():
        while True:
            time.sleep(interval)
            current = ref()
            if current is None or current.pid != os.getpid() or app.extensions.get("chat_presence") is not current:
                return
            try:
                current.beat()
                with _joined_lock:
                    rooms = set().union(*_joined.values()) if _joined else set()
                with app.app_context():
                    from .. import realtime

                    for room_id in current.sweep(sorted(rooms)):
                        realtime.chat_presence(room_id, people(room_id))
            except redis.RedisError as problem:
                app.logger.warning("chat presence heartbeat failed: %s", problem)
            del current

    threading.Thread(target=loop, name="chat-presence-heartbeat", daemon=True).start()


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
