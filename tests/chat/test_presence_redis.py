"""Presence in Redis heals itself: entries of a process whose heartbeat expired are ignored and deleted."""
import json
import os
import uuid

import pytest

from community.chat.presence import RedisPresence
from tests.chat.live import REDIS_BASE, redis_or_skip

REDIS_DB = 13

MARIA = {"id": 1, "username": "maria", "name": "Maria"}
OLLY = {"id": 2, "username": "olly", "name": "Olly"}


@pytest.fixture
def redis_client():
    client = redis_or_skip(REDIS_DB)
    prefix = f"tummler-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def _process(redis_client, ttl=30):
    client, prefix = redis_client
    store = RedisPresence(f"{REDIS_BASE}/{REDIS_DB}", prefix, ttl)
    store.beat()
    return store


def _crash(redis_client, store):
    """What the TTL does to a process that stopped beating: its heartbeat key disappears."""
    client, prefix = redis_client
    client.delete(f"{prefix}:presence:process:{store.process_id}")


def test_heartbeat_key_expires_unless_renewed(redis_client):
    client, prefix = redis_client
    store = _process(redis_client, ttl=7)
    assert 0 < client.ttl(f"{prefix}:presence:process:{store.process_id}") <= 7


def test_members_of_a_crashed_process_vanish_for_the_others(redis_client):
    crashed, survivor = _process(redis_client), _process(redis_client)
    crashed.add(1, "sid-a", MARIA)
    survivor.add(1, "sid-b", OLLY)
    assert sorted(p["username"] for p in survivor.entries(1)) == ["maria", "olly"]

    _crash(redis_client, crashed)

    assert [p["username"] for p in survivor.entries(1)] == ["olly"]
    client, prefix = redis_client
    fields = [f.decode() for f in client.hkeys(f"{prefix}:presence:room:1")]
    assert fields == [f"{survivor.process_id}:sid-b"], "the stale entry was not deleted"


def test_sweep_names_the_rooms_where_someone_vanished(redis_client):
    crashed, survivor = _process(redis_client), _process(redis_client)
    crashed.add(1, "sid-a", MARIA)
    crashed.add(2, "sid-a", MARIA)
    survivor.add(1, "sid-b", OLLY)
    survivor.add(3, "sid-b", OLLY)
    assert survivor.sweep([1, 3]) == []

    _crash(redis_client, crashed)

    assert survivor.sweep([1, 3]) == [1]
    assert survivor.sweep([1, 3]) == [], "an entry was reported twice"


def test_a_restarted_process_does_not_inherit_its_predecessors_entries(redis_client):
    before = _process(redis_client)
    before.add(1, "sid-a", MARIA)
    _crash(redis_client, before)

    after = _process(redis_client)
    assert after.process_id != before.process_id
    assert after.entries(1) == []


def test_a_process_whose_heartbeat_lapsed_writes_its_entries_back(redis_client):
    stalled, other = _process(redis_client), _process(redis_client)
    stalled.add(1, "sid-a", MARIA)
    stalled.add(1, "sid-gone", OLLY)
    stalled.remove(1, "sid-gone")
    _crash(redis_client, stalled)
    assert other.entries(1) == []  # deleted as stale while the process stalled

    stalled.beat()

    assert other.entries(1) == [MARIA]


def test_entries_are_kept_per_socket(redis_client):
    store = _process(redis_client)
    store.add(1, "tab-1", MARIA)
    store.add(1, "tab-2", MARIA)
    store.remove(1, "tab-1")
    assert store.entries(1) == [MARIA]
    client, prefix = redis_client
    assert json.loads(client.hget(f"{prefix}:presence:room:1", f"{store.process_id}:tab-2")) == MARIA
