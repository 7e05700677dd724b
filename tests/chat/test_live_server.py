"""/chat on a real server process (the production command) over websocket: sign-in, origin, delivery."""
import pytest
import socketio

from tests.chat.live import ChatClient, running_chat_site, sign_in


@pytest.fixture(scope="module")
def live_chat(tmp_path_factory):
    with running_chat_site(tmp_path_factory.mktemp("chat-live")) as base_url:
        yield base_url


def test_anonymous_websocket_is_refused(live_chat):
    with pytest.raises(socketio.exceptions.ConnectionError):
        ChatClient(live_chat)


def test_connection_from_a_foreign_origin_is_refused(live_chat):
    http = sign_in(live_chat, "maria")
    with pytest.raises(socketio.exceptions.ConnectionError):
        ChatClient(live_chat, http, origin="https://evil.example")
    same_origin = ChatClient(live_chat, http, origin=live_chat)
    assert same_origin.call("join", {"room_id": 1})["ok"]
    same_origin.close()


def test_message_reaches_another_member_over_websocket(live_chat):
    maria = ChatClient(live_chat, sign_in(live_chat, "maria"))
    olly = ChatClient(live_chat, sign_in(live_chat, "olly"))
    try:
        assert olly.call("join", {"room_id": 1})["ok"]
        assert maria.call("join", {"room_id": 1})["ok"]
        ack = maria.call("send", {"room_id": 1, "body": "Descale **monthly**"})
        assert ack["ok"]
        delivered = olly.next("chat_message")
        assert delivered["seq"] == ack["message"]["seq"]
        assert delivered["body_html"] == "<p>Descale <strong>monthly</strong></p>"
        assert delivered["author"]["username"] == "maria"
        bad = maria.call("send", {"room_id": "one", "body": 5})
        assert bad["ok"] is False and bad["error"]["code"] == "invalid"
    finally:
        maria.close()
        olly.close()
