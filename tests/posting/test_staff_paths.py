"""No hard sell on every path where staff write for members or visitors: thread, reply, edit, chat message and
chat edit, room name and topic, request status note, introduction and welcome, profile, split-thread title."""
import pytest
from flask import g
from sqlalchemy import func, select

from community.auth.actions import update_profile
from community.chat import actions as chat
from community.chat import rooms
from community.chat.models import Message, Room
from community.errors import Invalid
from community.forum.actions import create_post, edit_post
from community.forum.models import Post, PostRevision, Thread
from community.hosting import actions as hosting
from community.hosting.models import Introduction, Welcome
from community.ideas.actions import set_request_status
from community.moderation.models import AuditEntry
from community.moderation.threads import split_posts
from tests.conftest import AuthActions

SELLING = "Use code SAVE10 for 10% off, buy now!"


def audit(db, action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def opening_post(db, thread):
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


# --- forum ------------------------------------------------------------------

def test_staff_edit_that_adds_selling_is_refused_keeping_the_text_then_saved_anyway_with_a_log(
        app, client, auth, db, facilitator, make_thread):
    thread = make_thread(author=facilitator, body="Descale monthly; hold the button for ten seconds.")
    post = opening_post(db, thread)
    auth.login("fran")
    refused = auth.post(f"/p/{post.id}/edit", {"title": thread.title, "body": SELLING})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "reads as selling" in page and "SAVE10" in page
    assert f"{SELLING}</textarea>" in page and 'name="override" value="1"' in page
    db.session.expire_all()
    assert opening_post(db, thread).body_source.startswith("Descale monthly") and count(db, PostRevision) == 0
    assert SELLING not in client.get(f"/t/{thread.id}").get_data(as_text=True)

    saved = auth.post(f"/p/{post.id}/edit", {"title": thread.title, "body": SELLING, "override": "1"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert opening_post(db, thread).body_source == SELLING
    [entry] = audit(db, "promo_override")
    assert (entry.target_type, entry.target_id, entry.actor_id) == ("post", post.id, facilitator.id)


def test_a_staff_title_that_sells_is_refused_on_the_title(app, auth, db, facilitator, make_category, make_thread):
    category = make_category()
    auth.login("fran")
    response = auth.post("/new", {"category": category.id, "title": "Kettle Pro: 20% off this week",
                                  "body": "The new kettle is out."})
    assert response.status_code == 400 and count(db, Thread) == 0
    assert "20% off" in response.get_data(as_text=True)
    thread = make_thread(author=facilitator, category=category, title="The new kettle is out")
    with pytest.raises(Invalid) as refused:
        edit_post(facilitator, opening_post(db, thread), "Same text.", title="The new kettle, now $49")
    assert refused.value.field == "title"


def test_staff_reply_that_sells_is_refused_without_the_override(app, db, facilitator, make_thread):
    thread = make_thread()
    with pytest.raises(Invalid):
        create_post(facilitator, thread, SELLING)
    assert thread.reply_count == 0 and count(db, Post) == 1


def test_a_staff_edit_that_adds_no_selling_goes_through(app, db, facilitator, member, make_thread):
    # The member quoted a price; a facilitator tidying their post has not written selling language.
    thread = make_thread(author=member, body="I paid $49.99 for mine, is that normal?")
    edit_post(facilitator, opening_post(db, thread), "I paid $49.99 for mine. Is that normal?")
    assert opening_post(db, thread).body_source.endswith("Is that normal?") and audit(db, "promo_override") == []


def test_split_thread_title_is_staff_text(app, db, facilitator, member, make_thread):
    thread = make_thread(author=member)
    reply = create_post(member, thread, "A question about filters, really.")
    with pytest.raises(Invalid):
        split_posts(facilitator, thread, [reply.id], "Filters: buy now before they sell out", "Own topic")
    assert count(db, Thread) == 1


# --- chat -------------------------------------------------------------------

@pytest.fixture
def chat_socket(app, socket_client):
    def open_(username):
        http = app.test_client()
        AuthActions(http).login(username)
        g.pop("_login_user", None)
        sio = socket_client("/chat", http_client=http)

        def emit(event, data):
            g.pop("_login_user", None)
            return sio.emit(event, data, namespace="/chat", callback=True)

        return emit

    return open_


def test_staff_chat_message_that_sells_is_refused_then_sent_anyway_with_a_log(app, db, facilitator, chat_socket):
    room = rooms.create_room(facilitator, "Kettle owners", "Everything about kettles")
    emit = chat_socket("fran")
    refused = emit("send", {"room_id": room.id, "body": SELLING})
    assert refused["ok"] is False and "reads as selling" in refused["error"]["message"]
    assert count(db, Message) == 0
    assert emit("send", {"room_id": room.id, "body": SELLING, "override": "yes"})["ok"] is False  # not a bool
    sent = emit("send", {"room_id": room.id, "body": SELLING, "override": True})
    assert sent["ok"] is True and count(db, Message) == 1
    [entry] = audit(db, "promo_override")
    assert (entry.target_type, entry.target_id) == ("room", room.id)


def test_staff_chat_without_javascript_is_refused_keeping_the_text_and_offers_the_override(
        app, auth, db, facilitator):
    room = rooms.create_room(facilitator, "Kettle owners", "Everything about kettles")
    auth.login("fran")
    refused = auth.post(f"/chat/{room.id}/send", {"body": SELLING})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "reads as selling" in page and 'name="override" value="1"' in page
    assert count(db, Message) == 0
    assert auth.post(f"/chat/{room.id}/send", {"body": SELLING, "override": "1"}).status_code == 302
    assert count(db, Message) == 1 and len(audit(db, "promo_override")) == 1


def test_staff_chat_edit_that_adds_selling_is_refused(app, db, facilitator, chat_socket):
    room = rooms.create_room(facilitator, "Kettle owners", "Everything about kettles")
    message = chat.post_message(facilitator, room, "The v2 filter fits the v3 too.")
    ack = chat_socket("fran")("edit", {"message_id": message.id, "body": "The v2 filter fits, 20% off today!"})
    assert ack["ok"] is False and "20% off" in ack["error"]["message"]
    assert db.session.get(Message, message.id).body_source == "The v2 filter fits the v3 too."


def test_room_name_and_topic_are_kept_free_of_selling(app, auth, db, facilitator):
    with pytest.raises(Invalid) as refused:
        rooms.create_room(facilitator, "Deals", "Kettle Pro for $49 this week")
    assert refused.value.field == "topic" and count(db, Room) == 0
    room = rooms.create_room(facilitator, "Kettle owners", "Everything about kettles")
    auth.login("fran")
    auth.post(f"/chat/{room.id}/manage/rename", {"name": "Kettle owners", "topic": "Order yours today"})
    db.session.expire_all()
    assert db.session.get(Room, room.id).topic == "Everything about kettles"
    assert not audit(db, "rename_room")


def test_introductions_and_welcomes_are_kept_free_of_selling(app, db, facilitator, make_member):
    ana, ben = make_member("ana"), make_member("ben")
    with pytest.raises(Invalid) as refused:
        hosting.introduce_members(facilitator, ana, ben, "You both love coffee: the Brew is 20% off!")
    assert refused.value.field == "message"
    with pytest.raises(Invalid):
        hosting.welcome_member(facilitator, ana, "Welcome! Here's code WELCOME10 for your first order.")
    assert count(db, Introduction) == count(db, Welcome) == count(db, Message) == 0
    with pytest.raises(Invalid):
        chat.open_direct_conversation(facilitator, ana, "Psst: buy now, it's on sale")
    assert count(db, Room) == 0


# --- product and profile ----------------------------------------------------

def test_a_request_status_note_that_sells_is_refused_keeping_the_note(app, auth, db, product_manager, member,
                                                                      make_thread):
    thread = make_thread(author=member, is_feature_request=True)
    note = "Shipped! Pre-order the new model with code LAUNCH20."
    with pytest.raises(Invalid) as refused:
        set_request_status(product_manager, thread, "shipped", note)
    assert refused.value.field == "note" and thread.request_status == "open"
    auth.login("pat")
    page = auth.post(f"/ideas/{thread.id}/status", {"status": "shipped", "note": note})
    assert page.status_code == 400 and "LAUNCH20" in page.get_data(as_text=True)


def test_a_staff_profile_is_kept_free_of_selling_but_a_members_is_not_checked(app, db, facilitator, member):
    with pytest.raises(Invalid) as refused:
        update_profile(facilitator, facilitator, bio="Ask me for a discount code: FRAN15")
    assert refused.value.field == "bio" and facilitator.bio_source in ("", None)
    update_profile(member, member, bio="Found mine for $40, buy now if you see it")
    assert "$40" in member.bio_source
