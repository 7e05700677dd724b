"""The Message button on a member's profile opens a direct conversation."""


def test_message_button_on_a_profile_opens_a_direct_conversation(client, auth, make_member):
    make_member("olga")
    make_member("bob")
    auth.login("olga")
    profile = client.get("/u/bob").get_data(as_text=True)
    assert "/chat/direct/bob" in profile and ">Message</button>" in profile
    response = auth.post("/chat/direct/bob")
    assert response.status_code == 302
    room_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "bob" in room_page


def test_no_message_button_on_your_own_profile_or_for_visitors(client, auth, make_member):
    make_member("olga")
    assert "/chat/direct/olga" not in client.get("/u/olga").get_data(as_text=True)
    auth.login("olga")
    assert "/chat/direct/olga" not in client.get("/u/olga").get_data(as_text=True)
