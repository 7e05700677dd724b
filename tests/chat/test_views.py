"""Chat pages: room list, room page, the no-script composer, history JSON, facilitator tools."""
from community.chat import actions, rooms
from community.chat.models import Room
from community.moderation.models import AuditEntry


def test_visitor_is_sent_to_sign_in_for_chat(client):
    response = client.get("/chat/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_room_list_shows_topic_members_and_unread(client, auth, room, member, make_member):
    actions.enter_room(member, room)
    actions.post_message(make_member("olly"), room, "news")
    auth.login("maria")
    page = client.get("/chat/").get_data(as_text=True)
    assert "Kettle owners" in page and "Everything about kettles" in page
    assert "3 members" in page and '<span class="chat-unread"' in page and ">1<" in page


def test_room_page_shows_sanitised_history_and_composer(client, auth, room, member, make_member):
    actions.post_message(make_member("olly"), room, "**bold** <img src=x onerror=alert(1)>")
    auth.login("maria")
    page = client.get(f"/chat/{room.id}").get_data(as_text=True)
    assert "<strong>bold</strong>" in page and "<img" not in page and "&lt;img src=x onerror" in page
    assert 'data-chat-composer' in page and "js/chat.js" in page


def test_composer_without_javascript_posts_and_returns_to_the_message(client, auth, room, member):
    auth.login("maria")
    response = auth.post(f"/chat/{room.id}/send", {"body": "Hello from a plain form"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#m-1")
    assert "Hello from a plain form" in client.get(f"/chat/{room.id}").get_data(as_text=True)


def test_refused_message_keeps_the_text_and_says_why(client, auth, room, member, facilitator):
    rooms.mute_member(facilitator, room, member, 30, "Take a breather")
    auth.login("maria")
    response = auth.post(f"/chat/{room.id}/send", {"body": "My careful words"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Take a breather" in page


def test_history_json_pages_back(app, client, auth, room, member, make_member):
    app.config["CHAT_HISTORY_PAGE"] = 2
    for i in range(3):
        actions.post_message(make_member(f"poster{i}"), room, f"m{i}")
    auth.login("maria")
    data = client.get(f"/chat/{room.id}/messages?before=3").get_json()
    assert [m["seq"] for m in data["messages"]] == [1, 2] and data["has_older"] is False
    data = client.get(f"/chat/{room.id}/messages?since=1&since_change=0").get_json()
    assert [m["seq"] for m in data["messages"]] == [2, 3]


def test_member_cannot_see_others_direct_conversation(client, auth, member, make_member):
    dm = actions.open_direct_conversation(make_member("olly"), make_member("thea"), "psst")
    auth.login("maria")
    assert client.get(f"/chat/{dm.id}").status_code == 404
    assert client.get(f"/chat/{dm.id}/messages").status_code == 404


def test_member_starts_a_direct_conversation_by_name(client, auth, member, make_member, db):
    make_member("olly")
    auth.login("maria")
    response = auth.post("/chat/direct", {"username": "Olly"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Conversation with olly" in page
    assert "olly" in client.get("/chat/direct").get_data(as_text=True)


def test_member_proposal_waits_for_a_facilitator(client, auth, member, db):
    auth.login("maria")
    response = auth.post("/chat/rooms", {"name": "Cold brew", "topic": "Slow coffee"})
    assert response.status_code == 302
    room = db.session.query(Room).one()
    assert room.state == "proposed"
    assert "Waiting for a facilitator" in client.get("/chat/").get_data(as_text=True)


def test_member_cannot_use_facilitator_tools(client, auth, room, member):
    auth.login("maria")
    response = auth.post(f"/chat/{room.id}/manage/lock", {"reason": "mine now"})
    assert response.status_code == 403 and room.locked is False


def test_facilitator_sets_slow_mode_and_it_is_audited(client, auth, room, facilitator, db):
    auth.login("fran")
    response = auth.post(f"/chat/{room.id}/manage/slow", {"seconds": "20"})
    assert response.status_code == 302 and room.slow_mode_seconds == 20
    assert db.session.query(AuditEntry).filter_by(action="slow_mode_room").count() == 1
    assert "Slow mode: 20 s" in client.get(f"/chat/{room.id}").get_data(as_text=True)


def test_chat_post_without_csrf_token_is_refused(client, auth, room, member):
    auth.login("maria")
    assert client.post(f"/chat/{room.id}/send", data={"body": "hi"}).status_code == 400


def test_facilitator_approves_a_proposal_and_the_proposer_is_told(client, auth, member, facilitator, db):
    from community.notifications.models import Notification

    proposal = rooms.propose_room(member, "Cold brew", "Slow coffee")
    auth.login("fran")
    page = client.get("/chat/").get_data(as_text=True)
    assert "Room proposals" in page and "Cold brew" in page
    response = auth.post(f"/chat/rooms/{proposal.id}/decide", {"decision": "approve", "note": "Lovely idea"})
    assert response.status_code == 302 and proposal.state == "open"
    note = db.session.query(Notification).filter_by(user_id=member.id).one()
    assert "approved: Lovely idea" in note.text


def test_facilitator_mutes_a_member_by_name_from_the_room_page(client, auth, room, member, facilitator, db):
    from community.chat.models import RoomMember

    auth.login("fran")
    response = auth.post(f"/chat/{room.id}/manage/mute", {"username": "maria", "minutes": "10", "reason": "Calm"})
    assert response.status_code == 302
    assert db.session.get(RoomMember, (room.id, member.id)).is_muted()


def test_message_button_on_a_profile_opens_the_conversation(client, auth, member, make_member):
    make_member("olly")
    auth.login("maria")
    first = auth.post("/chat/direct/olly")
    again = auth.post("/chat/direct/OLLY")
    assert first.status_code == 302 and first.headers["Location"] == again.headers["Location"]
    assert auth.post("/chat/direct/nobody").status_code == 404
