"""Two server processes sharing PostgreSQL and a Redis message queue: a message sent through one
reaches a member on the other, and a member who reconnects to the other process misses nothing."""
import os

import pytest

from tests.chat.live import (PG_URL, REDIS_BASE, SEED, ChatClient, postgres_or_skip, production_command,
                             redis_or_skip, sign_in)
from tests.servers import free_port, prepare_database, running_server, server_env

REDIS_DB = 14  # this test's own database number; pub/sub is kept apart by the channel name


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    pg = postgres_or_skip()
    redis_client = redis_or_skip(REDIS_DB)
    schema = f"chat_scale_{os.getpid()}"
    pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    pg.execute(f"CREATE SCHEMA {schema}")
    redis_client.flushdb()
    instance = tmp_path_factory.mktemp("chat-scale")
    env = server_env(instance, DATABASE_URL=f"{PG_URL}?options=-csearch_path%3D{schema}",
                     REDIS_URL=f"{REDIS_BASE}/{REDIS_DB}", SOCKETIO_CHANNEL=f"tummler-test-{os.getpid()}",
                     SOCKETIO_ASYNC_MODE="gevent", SEARCH_INDEX_DIR=instance / "index")
    try:
        prepare_database(env, SEED)
        ports = free_port(), free_port()
        with running_server(env, port=ports[0], command=production_command(ports[0])) as first, \
                running_server(env, port=ports[1], command=production_command(ports[1])) as second:
            yield first, second
    finally:
        redis_client.flushdb()
        pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        pg.close()


def test_message_sent_on_one_process_reaches_a_member_on_the_other(two_servers):
    first, second = two_servers
    thea = ChatClient(first, sign_in(first, "thea"))
    olly = ChatClient(second, sign_in(second, "olly"))
    try:
        olly.call("join", {"room_id": 1})
        thea.call("join", {"room_id": 1})
        ack = thea.call("send", {"room_id": 1, "body": "Across processes"})
        delivered = olly.next("chat_message")
        assert delivered["seq"] == ack["message"]["seq"]
        assert delivered["body_html"] == "<p>Across processes</p>"
    finally:
        thea.close()
        olly.close()


def test_member_reconnecting_to_the_other_process_gets_every_missed_message_once(two_servers):
    first, second = two_servers
    maria = ChatClient(first, sign_in(first, "maria"))
    olly_http = sign_in(second, "olly")
    olly = ChatClient(second, olly_http)
    try:
        joined = olly.call("join", {"room_id": 1})
        seen = [m["seq"] for m in joined["messages"]]
        maria.call("join", {"room_id": 1})
        sent = [maria.call("send", {"room_id": 1, "body": "while you are here"})["message"]["seq"]]
        seen.append(olly.next("chat_message")["seq"])
        olly.close()
        for text in ("missed one", "missed two", "missed three"):
            ack = maria.call("send", {"room_id": 1, "body": text})
            assert ack["ok"], ack
            sent.append(ack["message"]["seq"])
        # The same signed-in session, now on the other process, says where it stopped.
        olly = ChatClient(first, olly_http)
        caught = olly.call("join", {"room_id": 1, "last_seq": seen[-1], "last_change": joined["last_change"]})
        seen.extend(m["seq"] for m in caught["messages"])
        assert [m["body_html"] for m in caught["messages"]] == [
            "<p>missed one</p>", "<p>missed two</p>", "<p>missed three</p>"]
        sent.append(maria.call("send", {"room_id": 1, "body": "welcome back"})["message"]["seq"])
        seen.append(olly.next("chat_message")["seq"])
        assert seen == list(range(seen[0], seen[-1] + 1)), "a gap or a repeat in what olly saw"
        assert seen[-len(sent):] == sent
    finally:
        maria.close()
        olly.close()


def test_rate_limit_counts_messages_sent_through_both_processes(two_servers):
    first, second = two_servers
    http = sign_in(first, "fran")
    one, other = ChatClient(first, http), ChatClient(second, http)
    try:
        one.call("join", {"room_id": 1})
        other.call("join", {"room_id": 1})
        acks = [(one if i % 2 else other).call("send", {"room_id": 1, "body": f"burst {i}"}) for i in range(6)]
        assert [a["ok"] for a in acks] == [True] * 5 + [False]
        assert acks[-1]["error"]["code"] == "ratelimited"
    finally:
        one.close()
        other.close()
