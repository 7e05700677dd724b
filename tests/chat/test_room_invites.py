"""Inviting a member to a room notifies them with a link to it."""
import pytest

from community.chat import rooms
from community.chat.models import Room
from community.errors import NotAllowed
from community.notifications.models import Notification


def make_room(db, make_member, name="Coffee corner"):
    return rooms.create_room(make_member("fran", role="facilitator"), name, "Brews and grinders")


def test_member_invites_another_to_a_room_and_they_are_notified(client, auth, db, make_member):
    room = make_room(db, make_member)
    make_member("olga")
    bob = make_member("bob")
    auth.login("olga")
    page = client.get(f"/chat/{room.id}").get_data(as_text=True)
    assert f"/chat/{room.id}/invite" in page
    response = auth.post(f"/chat/{room.id}/invite", {"username": "bob"})
    assert response.status_code == 302
    note = db.session.query(Notification).filter_by(user_id=bob.id).one()
    assert note.kind == "room_invite" and note.url == f"/chat/{room.id}" and "Coffee corner" in note.text


def test_second_invitation_while_the_first_is_unread_is_refused_with_a_message(client, auth, db, make_member):
    room = make_room(db, make_member)
    make_member("olga")
    bob = make_member("bob")
    auth.login("olga")
    auth.post(f"/chat/{room.id}/invite", {"username": "bob"})
    auth.post(f"/chat/{room.id}/invite", {"username": "bob"})
    page = client.get(f"/chat/{room.id}").get_data(as_text=True)
    assert "has an invitation to this room already" in page
    assert db.session.query(Notification).filter_by(user_id=bob.id).count() == 1


def test_invitations_to_rooms_that_are_not_open_are_refused(db, make_member):
    room = make_room(db, make_member)
    room.state = "archived"
    db.session.commit()
    olga, bob = make_member("olga"), make_member("bob")
    with pytest.raises(NotAllowed):
        rooms.invite_to_room(olga, db.session.get(Room, room.id), bob)
    assert db.session.query(Notification).filter_by(user_id=bob.id).count() == 0


def test_invite_without_csrf_token_changes_nothing(client, auth, db, make_member):
    room = make_room(db, make_member)
    make_member("olga")
    bob = make_member("bob")
    auth.login("olga")
    assert client.post(f"/chat/{room.id}/invite", data={"username": "bob"}).status_code == 400
    assert db.session.query(Notification).filter_by(user_id=bob.id).count() == 0
