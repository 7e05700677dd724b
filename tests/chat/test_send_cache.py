"""Senders' rooms are remembered between messages, but a facilitator's change applies to the next one."""
from sqlalchemy import update

from community.auth.models import User
from community.chat import rooms, sendcache
from community.chat.models import Room
from community.extensions import db


def send(sock, room_id, body):
    # A server handles every event in a fresh database session; so does this helper.
    db.session.remove()
    return sock.emit("send", {"room_id": room_id, "body": body})


def test_member_cannot_send_into_a_room_locked_since_their_last_message(chat_as, room, member, facilitator):
    room_id, facilitator_id = room.id, facilitator.id
    maria = chat_as("maria")
    maria.join(room)
    assert send(maria, room_id, "first")["ok"]
    rooms.set_room_locked(db.session.get(User, facilitator_id), db.session.get(Room, room_id), True, "Calm down")
    reply = send(maria, room_id, "second")
    assert not reply["ok"] and "locked" in reply["error"]["message"]


def test_member_muted_since_their_last_message_cannot_send(chat_as, room, member, facilitator):
    room_id, member_id, facilitator_id = room.id, member.id, facilitator.id
    maria = chat_as("maria")
    maria.join(room)
    assert send(maria, room_id, "first")["ok"]
    rooms.mute_member(db.session.get(User, facilitator_id), db.session.get(Room, room_id),
                      db.session.get(User, member_id), 10, "Too many links")
    reply = send(maria, room_id, "second")
    assert not reply["ok"] and "muted" in reply["error"]["message"]


def test_sequence_numbers_stay_gapless_while_the_room_is_remembered(chat_as, room, member):
    room_id = room.id
    maria = chat_as("maria")
    maria.join(room)
    assert [send(maria, room_id, f"message {k}")["message"]["seq"] for k in range(5)] == [1, 2, 3, 4, 5]


def test_room_archived_by_another_server_process_refuses_messages_within_the_recheck_interval(
        chat_as, room, member, monkeypatch):
    room_id = room.id
    maria = chat_as("maria")
    maria.join(room)
    assert send(maria, room_id, "first")["ok"]
    # A Core UPDATE stands for another process: this process's ORM never sees the change happen.
    db.session.execute(update(Room).where(Room.id == room_id).values(state="archived"))
    db.session.commit()
    now = sendcache.time.monotonic()
    monkeypatch.setattr(sendcache.time, "monotonic", lambda: now + sendcache.RECHECK_SECONDS + 0.1)
    reply = send(maria, room_id, "second")
    assert not reply["ok"] and "archived" in reply["error"]["message"]
