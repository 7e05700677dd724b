"""An open chat socket remembers its member between events, but never past a change to the account."""
from sqlalchemy import update

from community import sockets
from community.auth.models import User
from community.extensions import db
from community.moderation.members import silence_member, suspend_member


def send(sock, room_id, body):
    # A server handles every event in a fresh database session; so does this helper.
    db.session.remove()
    return sock.emit("send", {"room_id": room_id, "body": body})


def test_member_silenced_while_connected_cannot_send_their_next_message(chat_as, room, member, facilitator):
    room_id, member_id, facilitator_id = room.id, member.id, facilitator.id
    maria = chat_as("maria")
    maria.join(room)
    assert send(maria, room_id, "first")["ok"]
    silence_member(db.session.get(User, facilitator_id), db.session.get(User, member_id), 2, "Cool off for a bit")
    reply = send(maria, room_id, "second")
    assert not reply["ok"] and "silenced" in reply["error"]["message"]


def test_suspended_members_open_socket_ends_at_their_next_event(chat_as, room, member, admin):
    room_id, member_id, admin_id = room.id, member.id, admin.id
    maria = chat_as("maria")
    maria.join(room)
    assert send(maria, room_id, "first")["ok"]
    suspend_member(db.session.get(User, admin_id), db.session.get(User, member_id), "Repeated spam")
    reply = send(maria, room_id, "second")
    assert reply["error"]["code"] == "unauthenticated"


def test_account_change_made_by_another_server_process_is_seen_within_the_recheck_interval(
        chat_as, room, member, monkeypatch):
    room_id, member_id = room.id, member.id
    maria = chat_as("maria")
    maria.join(room)
    assert send(maria, room_id, "first")["ok"]
    # A Core UPDATE stands for another process: this process's ORM never sees the change happen.
    db.session.execute(update(User).where(User.id == member_id).values(session_token="changed elsewhere"))
    db.session.commit()
    now = sockets.time.monotonic()
    monkeypatch.setattr(sockets.time, "monotonic", lambda: now + sockets.USER_RECHECK_SECONDS + 0.1)
    assert send(maria, room_id, "second")["error"]["code"] == "unauthenticated"


def test_socket_events_verify_the_session_cookie_once_per_recheck_interval(chat_as, room, member, monkeypatch):
    from flask.sessions import SecureCookieSessionInterface

    room_id = room.id
    maria = chat_as("maria")
    maria.join(room)
    decoded = []
    original = SecureCookieSessionInterface.open_session
    monkeypatch.setattr(SecureCookieSessionInterface, "open_session",
                        lambda self, app, request: decoded.append(request.path) or original(self, app, request))
    for n in range(3):  # within the rate limit of 5 per 5 s
        assert send(maria, room_id, f"message {n}")["ok"]
    assert decoded == []
    now = sockets.time.monotonic()
    monkeypatch.setattr(sockets.time, "monotonic", lambda: now + sockets.USER_RECHECK_SECONDS + 0.1)
    assert send(maria, room_id, "after the interval")["ok"]
    assert len(decoded) == 1


def test_an_expired_session_cookie_ends_the_socket_session_within_the_recheck_interval(
        app, chat_as, room, member, monkeypatch):
    from datetime import timedelta

    room_id = room.id
    maria = chat_as("maria")
    maria.join(room)
    assert send(maria, room_id, "first")["ok"]
    monkeypatch.setattr(app, "permanent_session_lifetime", timedelta(seconds=-1))  # every cookie is too old
    now = sockets.time.monotonic()
    monkeypatch.setattr(sockets.time, "monotonic", lambda: now + sockets.USER_RECHECK_SECONDS + 0.1)
    assert send(maria, room_id, "second")["error"]["code"] == "unauthenticated"
