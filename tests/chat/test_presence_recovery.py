"""Presence after a crash, against real server processes on PostgreSQL and Redis: the people on a
process killed with SIGKILL vanish from the others' presence lists within the heartbeat TTL."""
import os
import signal
import time
import uuid

import pytest

from tests.chat.live import (PG_URL, REDIS_BASE, SEED, ChatClient, killable_server, postgres_or_skip,
                             redis_or_skip, sign_in, worker_pids)
from tests.servers import free_port, prepare_database, server_env

REDIS_DB = 13
TTL = 2  # CHAT_PRESENCE_TTL for these servers: beats every 2/3 s


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """One seeded PostgreSQL schema for this module's servers."""
    pg = postgres_or_skip()
    redis_or_skip(REDIS_DB)
    instance = tmp_path_factory.mktemp("chat-presence")
    schema = f"chat_presence_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    pg.execute(f"CREATE SCHEMA {schema}")
    env = server_env(instance, DATABASE_URL=f"{PG_URL}?options=-csearch_path%3D{schema}",
                     SOCKETIO_ASYNC_MODE="gevent", SEARCH_INDEX_DIR=instance / "index", CHAT_PRESENCE_TTL=TTL,
                     RATELIMIT_STORAGE_URI="memory://")  # sign-in limits stay per process, apart from other tests
    try:
        prepare_database(env, SEED)
        yield env
    finally:
        pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        pg.close()


@pytest.fixture
def site(database):
    """The servers' environment with this test's own Redis key prefix and channel."""
    redis_client = redis_or_skip(REDIS_DB)
    prefix = f"tummler-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    yield {**database, "REDIS_URL": f"{REDIS_BASE}/{REDIS_DB}", "SOCKETIO_CHANNEL": prefix}
    for key in redis_client.scan_iter(f"{prefix}:*"):
        redis_client.delete(key)


def _names(people):
    return sorted(p["username"] for p in people)


def _presence_until(client, wanted, timeout):
    """Presence updates the client receives until one lists exactly wanted; fails after timeout."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            update = client.next("presence", timeout=max(0.1, deadline - time.monotonic()))
        except Exception:  # queue.Empty: no more updates before the deadline
            break
        seen.append(_names(update["people"]))
        if seen[-1] == wanted:
            return
    pytest.fail(f"presence never became {wanted}; updates seen: {seen}")


def test_members_of_a_killed_process_leave_the_others_presence_within_the_ttl(site):
    with killable_server(site, free_port()) as (doomed_url, doomed), \
            killable_server(site, free_port()) as (survivor_url, _survivor):
        olly = ChatClient(doomed_url, sign_in(doomed_url, "olly"))
        thea = ChatClient(survivor_url, sign_in(survivor_url, "thea"))
        try:
            olly.call("join", {"room_id": 1})
            joined = thea.call("join", {"room_id": 1})
            assert _names(joined["people"]) == ["olly", "thea"]

            os.killpg(doomed.pid, signal.SIGKILL)  # no disconnect handler runs, nothing is cleaned up
            doomed.wait(10)

            # The survivor's heartbeat notices the dead process's entries and tells the room.
            _presence_until(thea, ["thea"], timeout=TTL + 3)
            maria = ChatClient(survivor_url, sign_in(survivor_url, "maria"))
            assert _names(maria.call("join", {"room_id": 1})["people"]) == ["maria", "thea"]
            maria.close()
        finally:
            thea.close()
            olly.sio.disconnect()


def test_a_restarted_worker_does_not_inherit_the_killed_workers_members(site):
    with killable_server(site, free_port()) as (url, master):
        olly = ChatClient(url, sign_in(url, "olly"))
        olly_joined = olly.call("join", {"room_id": 1})
        assert _names(olly_joined["people"]) == ["olly"]
        (worker,) = worker_pids(master.pid)
        os.kill(worker, signal.SIGKILL)  # gunicorn starts a new worker in its place
        olly.sio.disconnect()

        thea = ChatClient(url, sign_in(url, "thea"))
        try:
            first = thea.call("join", {"room_id": 1})
            if _names(first["people"]) != ["thea"]:  # the dead worker's heartbeat may not have expired yet
                _presence_until(thea, ["thea"], timeout=TTL + 3)
            assert worker not in worker_pids(master.pid)
        finally:
            thea.close()
