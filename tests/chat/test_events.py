"""The /chat namespace through Flask-SocketIO's test client: handlers, permissions, errors, catch-up."""
import pytest

from community.chat import actions, rooms


def test_anonymous_chat_socket_is_refused(socket_client):
    with pytest.raises(Exception):
        sio = socket_client("/chat")
        assert not sio.is_connected("/chat")
        raise RuntimeError("refused")


def test_join_gives_latest_messages_and_presence(chat_as, room, member, make_member):
    actions.post_message(make_member("olly"), room, "before you came")
    reply = chat_as("maria").join(room)
    assert [m["body_html"] for m in reply["messages"]] == ["<p>before you came</p>"]
    assert [p["username"] for p in reply["people"]] == ["maria"]
    assert reply["room"]["name"] == "Kettle owners"


def test_sent_message_is_acknowledged_with_its_sequence_and_broadcast(chat_as, room, member, make_member):
    make_member("olly")
    maria, olly = chat_as("maria"), chat_as("olly")
    maria.join(room)
    olly.join(room)
    olly.received()
    ack = maria.emit("send", {"room_id": room.id, "body": "Hello *room*"})
    assert ack["ok"] and ack["message"]["seq"] == 1
    assert ack["message"]["body_html"] == "<p>Hello <em>room</em></p>"
    assert [(m["seq"], m["author"]["username"]) for m in olly.received("chat_message")] == [(1, "maria")]


def test_reconnecting_client_gets_exactly_what_it_missed(chat_as, room, member, make_member):
    olly = make_member("olly")
    for text in ("one", "two"):
        actions.post_message(olly, room, text)
    maria = chat_as("maria")
    first = maria.join(room)
    maria.disconnect()
    for text in ("three", "four", "five"):
        actions.post_message(olly, room, text)
    reply = chat_as("maria").join(room, last_seq=first["messages"][-1]["seq"], last_change=first["last_change"])
    assert [m["body_html"] for m in reply["messages"]] == ["<p>three</p>", "<p>four</p>", "<p>five</p>"]
    assert [m["seq"] for m in reply["messages"]] == [3, 4, 5] and reply["more"] is False


def test_bad_payload_gets_an_error_event_not_a_trace(chat_as, room, member):
    maria = chat_as("maria")
    maria.received()
    for payload in ("not an object", {"room_id": "1"}, {"room_id": room.id, "body": ["list"]}, None,
                    {"room_id": 2**40, "body": "x"}):
        ack = maria.emit("send", payload)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid"
        assert "Traceback" not in ack["error"]["message"]
    errors = maria.received("error")
    assert len(errors) == 5 and all(e["code"] == "invalid" for e in errors)


def test_rate_limit_is_a_clear_error_event(chat_as, room, member):
    maria = chat_as("maria")
    maria.join(room)
    acks = [maria.emit("send", {"room_id": room.id, "body": f"m{i}"}) for i in range(6)]
    assert [a["ok"] for a in acks] == [True] * 5 + [False]
    assert acks[-1]["error"]["code"] == "ratelimited" and acks[-1]["error"]["retry_after"] >= 1
    assert "too quickly" in acks[-1]["error"]["message"]


def test_member_cannot_join_someone_elses_direct_conversation(chat_as, member, make_member):
    dm = actions.open_direct_conversation(make_member("olly"), make_member("thea"), "private")
    maria = chat_as("maria")
    assert maria.emit("join", {"room_id": dm.id}) == {
        "ok": False, "error": {"code": "notfound", "message": "There is no such room."}}
    assert maria.emit("sync", {"room_id": dm.id, "last_seq": 0})["ok"] is False


def test_muted_member_gets_an_error_when_sending(chat_as, room, member, facilitator):
    rooms.mute_member(facilitator, room, member, 15, "Please cool off")
    maria = chat_as("maria")
    maria.join(room)
    ack = maria.emit("send", {"room_id": room.id, "body": "hello"})
    assert ack["error"]["code"] == "notallowed" and "Please cool off" in ack["error"]["message"]


def test_member_cannot_delete_others_message_but_facilitator_can(chat_as, room, member, facilitator, make_member):
    message = actions.post_message(make_member("olly"), room, "spam spam")
    maria, fran = chat_as("maria"), chat_as("fran")
    ack = maria.emit("delete", {"message_id": message.id, "reason": "I dislike it"})
    assert ack["ok"] is False and ack["error"]["code"] == "notallowed"
    maria.join(room)
    maria.received()
    ack = fran.emit("delete", {"message_id": message.id, "reason": "Spam"})
    assert ack["ok"] and ack["message"]["deleted"]
    changed = maria.received("message_changed")
    assert changed[0]["deleted"] and changed[0]["body_html"] == "" and changed[0]["deleted_by_moderator"]


def test_edit_reaches_the_room_marked_edited(chat_as, room, member):
    maria = chat_as("maria")
    maria.join(room)
    sent = maria.emit("send", {"room_id": room.id, "body": "helo"})["message"]
    maria.received()
    ack = maria.emit("edit", {"message_id": sent["id"], "body": "hello"})
    assert ack["ok"] and ack["message"]["edited"]
    assert maria.received("message_changed")[0]["body_html"] == "<p>hello</p>"


def test_history_scrolls_back_by_pages(app, chat_as, room, member, make_member):
    app.config["CHAT_HISTORY_PAGE"] = 2
    for i in range(5):
        actions.post_message(make_member(f"poster{i}"), room, f"message {i + 1}")
    maria = chat_as("maria")
    first = maria.join(room)
    assert [m["seq"] for m in first["messages"]] == [4, 5] and first["has_older"]
    older = maria.emit("history", {"room_id": room.id, "before_seq": 4})
    assert [m["seq"] for m in older["messages"]] == [2, 3] and older["has_older"]


def test_typing_is_shown_to_others_in_the_room(chat_as, room, member, make_member):
    make_member("olly")
    maria, olly = chat_as("maria"), chat_as("olly")
    maria.join(room)
    olly.join(room)
    maria.received()
    olly.received()
    assert maria.emit("typing", {"room_id": room.id})["ok"]
    assert [t["person"]["username"] for t in olly.received("typing")] == ["maria"]
    assert maria.received("typing") == []


def test_leaving_updates_presence_for_the_others(chat_as, room, member, make_member):
    make_member("olly")
    maria, olly = chat_as("maria"), chat_as("olly")
    maria.join(room)
    assert [p["username"] for p in olly.join(room)["people"]] == ["maria", "olly"]
    maria.received()
    olly.disconnect()
    assert [p["username"] for p in maria.received("presence")[-1]["people"]] == ["maria"]


def test_read_mark_clears_the_unread_count(chat_as, room, member, make_member):
    from community.chat import queries

    maria = chat_as("maria")
    maria.join(room)
    actions.post_message(make_member("olly"), room, "unread for maria")
    assert queries.public_rooms(member)[0]["unread"] == 1
    assert maria.emit("read", {"room_id": room.id, "seq": 1}) == {"ok": True, "last_read_seq": 1}
    assert queries.public_rooms(member)[0]["unread"] == 0


def test_messages_committed_together_reach_the_room_as_one_list_in_order(chat_as, room, member, make_member):
    """A group commit's messages go out as one "chat_messages" event; a lone message stays "chat_message"."""
    olly, thea = make_member("olly"), make_member("thea")
    watcher = chat_as("maria")
    watcher.join(room)
    watcher.received()
    batch = [actions._pending(olly, room, "first of two", None), actions._pending(thea, room, "second of two", None)]
    actions._write_batch(room.id, batch)
    actions.post_message(olly, room, "on its own")

    events = [(e["name"], e["args"][0]) for e in watcher.sio.get_received("/chat") if e["name"].startswith("chat_")]
    assert [name for name, _ in events] == ["chat_messages", "chat_message"]
    together = events[0][1]
    assert [(m["seq"], m["author"]["username"], m["body_html"]) for m in together] == [
        (1, "olly", "<p>first of two</p>"), (2, "thea", "<p>second of two</p>")]
    assert events[1][1]["seq"] == 3
    assert [m.result.seq for m in batch] == [1, 2]
