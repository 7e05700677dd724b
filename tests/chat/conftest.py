"""Chat fixtures: a room to talk in."""
import pytest


@pytest.fixture
def make_room(app, facilitator):
    from community.chat.rooms import create_room

    def make(name="Kettle owners", topic="Everything about kettles", **fields):
        room = create_room(facilitator, name, topic)
        for key, value in fields.items():
            setattr(room, key, value)
        if fields:
            from community.extensions import db

            db.session.commit()
        return room

    return make


@pytest.fixture
def room(make_room):
    return make_room()


class ChatSocket:
    """A signed-in member's /chat test socket. The test client handles events inside the test's own
    app context, where Flask-Login caches the user in `g`; forgetting it before each call makes every
    event load its own session's user, as a real server does."""

    namespace = "/chat"

    def __init__(self, connect, http_client):
        from flask import g

        self._g = g
        g.pop("_login_user", None)
        self.sio = connect(self.namespace, http_client=http_client)

    def emit(self, event, data):
        self._g.pop("_login_user", None)
        return self.sio.emit(event, data, namespace=self.namespace, callback=True)

    def join(self, room, **extra):
        reply = self.emit("join", {"room_id": room.id, **extra})
        assert reply["ok"], reply
        return reply

    def received(self, name=None):
        return [e["args"][0] for e in self.sio.get_received(self.namespace) if name is None or e["name"] == name]

    def disconnect(self):
        self._g.pop("_login_user", None)
        self.sio.disconnect(namespace=self.namespace)


@pytest.fixture
def chat_as(app, socket_client):
    """chat_as("maria") signs maria in on a fresh HTTP client and opens her /chat socket."""
    from tests.conftest import AuthActions

    def open_socket(username):
        http = app.test_client()
        AuthActions(http).login(username)
        return ChatSocket(socket_client, http)

    return open_socket
