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
