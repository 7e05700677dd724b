"""Knowing people by name: private member notes, introductions and personal welcomes."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.chat.models import Message, Room
from community.database import utcnow
from community.errors import Invalid, NotAllowed
from community.hosting import actions, people
from community.hosting.models import Introduction, MemberNote, Welcome
from community.moderation.models import AuditEntry
from community.notifications.models import Notification


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


# --- member notes -----------------------------------------------------------

def test_facilitator_writes_a_note_that_staff_read_with_author_and_date(app, client, auth, db, facilitator,
                                                                        product_manager, member):
    actions.add_member_note(facilitator, member, "Prefers email; had a rough first week with the grinder.")
    auth.login("pat")
    page = client.get(f"/floor/members/{member.id}/notes").get_data(as_text=True)
    assert "rough first week with the grinder" in page and facilitator.name in page and "<time" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "add_member_note"))
    assert entry.actor_id == facilitator.id and entry.subject_user_id is None


def test_facilitator_adds_a_note_from_the_notes_page(app, client, auth, db, facilitator, member):
    auth.login("fran")
    response = auth.post(f"/floor/members/{member.id}/notes", {"body": "Knows the v2 firmware well."})
    assert response.status_code == 302
    assert [n.body for n in people.member_notes(member)] == ["Knows the v2 firmware well."]


def test_an_empty_note_is_refused_and_a_long_one_keeps_its_text(app, client, auth, db, facilitator, member):
    auth.login("fran")
    assert auth.post(f"/floor/members/{member.id}/notes", {"body": "   "}).status_code == 400
    long_note = "careful words " * 200
    response = auth.post(f"/floor/members/{member.id}/notes", {"body": long_note})
    assert response.status_code == 400 and "careful words careful words" in response.get_data(as_text=True)
    assert count(db, MemberNote) == 0


def test_product_managers_read_notes_but_do_not_write_them(app, client, auth, db, product_manager, member):
    with pytest.raises(NotAllowed):
        actions.add_member_note(product_manager, member, "A note")
    auth.login("pat")
    assert auth.post(f"/floor/members/{member.id}/notes", {"body": "A note"}).status_code == 403
    assert count(db, MemberNote) == 0


def test_members_never_see_notes_about_themselves(app, client, auth, db, facilitator, member):
    actions.add_member_note(facilitator, member, "Secret: was upset about the refund.")
    auth.login("maria")
    assert client.get(f"/floor/members/{member.id}/notes").status_code == 403
    assert "was upset about the refund" not in client.get("/u/maria").get_data(as_text=True)
    assert "was upset about the refund" not in client.get("/mod/my-history").get_data(as_text=True)


def test_notes_are_escaped_when_shown(app, client, auth, facilitator, member):
    actions.add_member_note(facilitator, member, "<script>alert(1)</script>")
    auth.login("fran")
    page = client.get(f"/floor/members/{member.id}/notes").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


# --- introductions ----------------------------------------------------------

def test_introduction_opens_a_direct_conversation_with_the_message(app, db, facilitator, make_member):
    ana, ben = make_member("ana"), make_member("ben")
    intro = actions.introduce_members(facilitator, ben, ana, "You both roast at home: swap notes!")
    room = db.session.scalar(select(Room).where(Room.kind == "direct"))
    assert room.direct_key == f"{ana.id}:{ben.id}" and intro.conversation_id == room.id
    message = db.session.scalar(select(Message).where(Message.room_id == room.id))
    assert message.author_id == facilitator.id and "swap notes" in message.body_source
    assert (intro.first_id, intro.second_id, intro.channel) == (ana.id, ben.id, "direct_message")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "introduce_members"))
    assert entry.target_id == intro.id and entry.after["members"] == [ana.id, ben.id]


def test_without_chat_an_introduction_notifies_both_members(app, db, facilitator, make_member, monkeypatch):
    monkeypatch.setattr(actions, "_direct_conversation_opener", lambda: None)
    ana, ben = make_member("ana"), make_member("ben")
    actions.introduce_members(facilitator, ana, ben, "You both roast at home.")
    notes = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert [(n.user_id, n.kind) for n in notes] == [(ana.id, "introduction"), (ben.id, "introduction")]
    assert notes[0].text == "@fran introduced you to @ben: You both roast at home."
    assert db.session.scalar(select(Introduction)).channel == "notification"


def test_a_member_cannot_be_introduced_to_themself_or_without_a_message(app, db, facilitator, member):
    with pytest.raises(Invalid):
        actions.introduce_members(facilitator, member, member, "Meet yourself")
    with pytest.raises(Invalid):
        actions.introduce_members(facilitator, member, facilitator, "  ")
    assert count(db, Introduction) == 0 and count(db, AuditEntry) == 0


def test_introduction_form_names_an_unknown_member_and_keeps_the_message(app, client, auth, db, facilitator,
                                                                          member):
    auth.login("fran")
    response = auth.post("/floor/introductions", {"first": "maria", "second": "nobody_here",
                                                  "message": "My careful introduction"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "no member with that username" in page
    assert "My careful introduction" in page and count(db, Introduction) == 0


def test_suggested_pairs_share_interests_and_drop_once_introduced(app, db, facilitator, make_member, interested):
    ana = interested(make_member("ana"), "espresso", "milk")
    ben = interested(make_member("ben"), "espresso")
    pairs = {(p.first.username, p.second.username): p for p in people.introduction_suggestions()}
    assert pairs[("ana", "ben")].shared_interests == ["espresso"]
    actions.introduce_members(facilitator, ana, ben, "Espresso people, meet.")
    assert ("ana", "ben") not in {(p.first.username, p.second.username) for p in people.introduction_suggestions()}


@pytest.fixture
def small_community(app, db, make_member, make_thread, interested):
    """A regular, people she already talks with, a crowd sharing one interest, and a newcomer sharing two."""
    from community.forum.actions import create_post, toggle_like
    from community.forum.models import Post

    def opening(thread):
        return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))

    old = utcnow() - timedelta(days=200)
    olga = interested(make_member("olga", created_at=old), "kettle", "tea", "coffee")
    thread = make_thread(author=olga, title="Kettle descaling schedule")
    pete = interested(make_member("pete", created_at=old), "kettle", "tea", "coffee")
    create_post(pete, thread, "Monthly works for me with hard water.")  # olga and pete have talked
    sam = interested(make_member("sam", created_at=old), "coffee", "grinders")
    kim = interested(make_member("kim", created_at=old), "coffee", "grinders")
    make_thread(author=sam, title="Burr or blade?")
    toggle_like(sam, opening(make_thread(author=kim, title="My grinder settings")))  # sam liked kim's post
    crowd = [interested(make_member(f"crowd{n}", created_at=old), "coffee") for n in range(6)]
    for n, person in enumerate(crowd):
        make_thread(author=person, title=f"Coffee question number {n}")
    zoe = interested(make_member("zoe", created_at=utcnow() - timedelta(days=3)), "kettle", "tea")
    return {"olga": olga, "pete": pete, "zoe": zoe}


def usernames(pair):
    return {pair.first.username, pair.second.username}


def test_introductions_favour_a_newcomer_sharing_two_interests_over_people_who_already_talk(small_community):
    suggestions = people.introduction_suggestions()
    pairs = [usernames(p) for p in suggestions]
    assert pairs[0] in ({"zoe", "olga"}, {"zoe", "pete"})  # two shared interests, and a newcomer
    assert suggestions[0].shared_interests == ["kettle", "tea"] and suggestions[0].newcomers[0].username == "zoe"
    assert {"olga", "pete"} not in pairs  # replied in the same thread
    assert {"sam", "kim"} not in pairs  # liked each other's posts
    appearances = [name for pair in pairs for name in pair]
    assert max(appearances.count(name) for name in set(appearances)) <= 2
    assert len(pairs) >= 5  # with six coffee people waiting, the list still reaches many of them


def test_introductions_page_says_who_is_new_and_what_they_share(small_community, client, auth, facilitator):
    auth.login("fran")
    page = client.get("/floor/introductions").get_data(as_text=True)
    assert "Both into kettle, tea." in page and "zoe joined <time" in page
    assert "same thread" not in page


def test_facilitator_introduces_two_members_from_the_page(app, client, auth, db, facilitator, make_member):
    make_member("ana"), make_member("ben")
    auth.login("fran")
    form = client.get("/floor/introductions?first=ana&second=ben").get_data(as_text=True)
    assert 'value="ana"' in form and 'value="ben"' in form
    response = auth.post("/floor/introductions", {"first": "ana", "second": "ben", "message": "Meet!"})
    assert response.status_code == 302 and count(db, Introduction) == 1


# --- welcomes ---------------------------------------------------------------

def test_new_members_wait_for_a_welcome_until_a_facilitator_writes_one(app, db, facilitator, make_member):
    new = make_member("newbie")
    make_member("oldie", created_at=utcnow() - timedelta(days=30))
    assert [u.username for u in people.members_to_welcome()] == ["newbie"]
    welcome = actions.welcome_member(facilitator, new, "Welcome Newbie! The descaling thread is a good start.")
    assert welcome.channel == "direct_message" and welcome.welcomed_by_id == facilitator.id
    message = db.session.scalar(select(Message).where(Message.room_id == welcome.conversation_id))
    assert message.author_id == facilitator.id and message.body_source.startswith("Welcome Newbie!")
    assert people.members_to_welcome() == []
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "welcome_member")).target_id == welcome.id


def test_a_member_is_welcomed_once(app, db, facilitator, make_member, monkeypatch):
    monkeypatch.setattr(actions, "_direct_conversation_opener", lambda: None)
    new = make_member("newbie")
    actions.welcome_member(facilitator, new, "Welcome!")
    with pytest.raises(Invalid):
        actions.welcome_member(facilitator, new, "Welcome again!")
    note = db.session.scalar(select(Notification))
    assert (note.user_id, note.kind, note.text) == (new.id, "welcome", "@fran welcomed you: Welcome!")
    assert count(db, Welcome) == 1


def test_an_empty_welcome_is_refused_on_the_page_and_keeps_nothing(app, client, auth, db, facilitator, make_member):
    new = make_member("newbie")
    auth.login("fran")
    response = auth.post(f"/floor/welcome/{new.id}", {"message": " "})
    assert response.status_code == 400 and "comes from you" in response.get_data(as_text=True)
    assert count(db, Welcome) == 0
    response = auth.post(f"/floor/welcome/{new.id}", {"message": "Hi Newbie, glad you're here."})
    assert response.status_code == 302 and count(db, Welcome) == 1
    page = client.get("/floor/welcome").get_data(as_text=True)
    assert "Hi Newbie, glad you" in page and f"/floor/welcome/{new.id}" not in page


def test_staff_read_notes_on_the_member_profile_and_members_do_not(app, client, auth, facilitator, member):
    actions.add_member_note(facilitator, member, "Runs the local coffee meetup.")
    auth.login("fran")
    page = client.get("/u/maria").get_data(as_text=True)
    assert "Runs the local coffee meetup." in page and "Only staff see these" in page
    assert f'action="/floor/members/{member.id}/notes"' in page
    auth.logout()
    auth.login("maria")
    page = client.get("/u/maria").get_data(as_text=True)
    assert "coffee meetup" not in page and "Staff notes" not in page
