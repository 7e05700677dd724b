"""The /live namespace: authenticated sockets, the bell pushed live, replies appearing on open threads."""
import pytest

from community.forum import actions


def received(sio, name):
    return [event["args"][0] for event in sio.get_received("/live") if event["name"] == name]


def test_anonymous_socket_is_refused(socket_client):
    with pytest.raises(Exception):
        sio = socket_client("/live")
        assert not sio.is_connected("/live")
        raise RuntimeError("refused")


def test_signed_in_socket_gets_unread_count_on_connect(auth, socket_client, make_thread, make_member):
    author = make_member("olga")
    actions.create_post(make_member("bob"), make_thread(author=author), "hello")
    auth.login("olga")
    sio = socket_client("/live")
    assert sio.is_connected("/live")
    assert received(sio, "notification_count") == [{"unread": 1}]


def test_mention_reaches_the_bell_live(auth, socket_client, make_thread, make_member):
    olga = make_member("olga")
    thread = make_thread()
    auth.login("olga")
    sio = socket_client("/live")
    sio.get_received("/live")
    actions.create_post(make_member("bob"), thread, "@olga have a look <img src=x onerror=alert(1)>")
    notes = received(sio, "notification")
    assert len(notes) == 1 and notes[0]["kind"] == "mention" and notes[0]["unread"] == 1
    assert olga.id


def test_reply_appears_on_open_thread_with_sanitised_html(auth, socket_client, make_thread, make_member):
    make_member("olga")
    thread = make_thread()
    auth.login("olga")
    sio = socket_client("/live")
    assert sio.emit("watch_thread", {"thread_id": thread.id}, namespace="/live", callback=True) == {"ok": True}
    actions.create_post(make_member("bob"), thread, "New **reply** <script>alert(1)</script>")
    pushed = received(sio, "post_created")
    assert len(pushed) == 1
    assert "<strong>reply</strong>" in pushed[0]["html"] and "<script" not in pushed[0]["html"]


def test_member_cannot_watch_a_staff_only_thread(auth, socket_client, make_thread, make_category, make_member):
    staff_thread = make_thread(author=make_member("fran", role="facilitator"),
                               category=make_category("Staff room", staff_only=True))
    make_member("olga")
    auth.login("olga")
    sio = socket_client("/live")
    reply = sio.emit("watch_thread", {"thread_id": staff_thread.id}, namespace="/live", callback=True)
    assert reply["ok"] is False and reply["error"]["code"] == "notfound"
    actions.create_post(make_member("ally", role="facilitator"), staff_thread, "internal note")
    assert received(sio, "post_created") == []


def test_bad_watch_payload_gets_an_error_not_a_trace(auth, socket_client, make_member):
    make_member("olga")
    auth.login("olga")
    sio = socket_client("/live")
    for payload in (None, "x", {"thread_id": "1; DROP TABLE posts"}, {"thread_id": True}, [1, 2]):
        reply = sio.emit("watch_thread", payload, namespace="/live", callback=True)
        assert reply["ok"] is False and reply["error"]["code"] == "invalid"
    errors = received(sio, "error")
    assert len(errors) == 5
