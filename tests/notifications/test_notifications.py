"""Notifications: who hears about a reply, mention, quote or like, and the bell."""
from community import signals
from community.database import commit
from community.forum import actions
from community.forum.models import Post
from community.markup import render_quote
from community.notifications.models import Notification


def notes_for(db, user):
    return db.session.query(Notification).filter_by(user_id=user.id).order_by(Notification.id).all()


def test_reply_notifies_the_thread_author_but_not_the_replier(db, make_thread, make_member):
    author, replier = make_member("olga"), make_member("bob")
    thread = make_thread(author=author)
    actions.create_post(replier, thread, "Have you tried turning it off and on again?")
    assert [n.kind for n in notes_for(db, author)] == ["reply"]
    assert notes_for(db, replier) == []
    assert "bob" in notes_for(db, author)[0].text.lower() or "replied" in notes_for(db, author)[0].text


def test_mention_notifies_once_even_when_also_following(db, make_thread, make_member):
    author, replier = make_member("olga"), make_member("bob")
    thread = make_thread(author=author)
    actions.create_post(replier, thread, "@olga does this help? @olga")
    kinds = [n.kind for n in notes_for(db, author)]
    assert kinds == ["mention"]


def test_quote_notifies_as_quote_not_mention(db, make_thread, make_member):
    author, replier = make_member("olga"), make_member("bob")
    thread = make_thread(author=author, body="The hinge squeaks.")
    actions.create_post(replier, thread, render_quote("olga", "The hinge squeaks.") + "Mine too!")
    assert [n.kind for n in notes_for(db, author)] == ["quote"]


def test_member_mentioned_in_staff_only_thread_hears_nothing(db, make_thread, make_category, make_member):
    staff_room = make_category("Staff room", staff_only=True)
    fran = make_member("fran", role="facilitator")
    maria = make_member("maria")
    thread = make_thread(author=fran, category=staff_room, body="What do we tell @maria?")
    assert thread is not None
    assert notes_for(db, maria) == []


def test_like_notifies_the_author(db, make_thread, make_member):
    author, fan = make_member("olga"), make_member("bob")
    thread = make_thread(author=author)
    post = db.session.query(Post).filter_by(thread_id=thread.id).one()
    actions.toggle_like(fan, post)
    assert [n.kind for n in notes_for(db, author)] == ["like"]


def test_held_post_notifies_only_once_approved(db, make_thread, make_member):
    author, replier = make_member("olga"), make_member("bob")
    thread = make_thread(author=author)
    post = actions.create_post(replier, thread, "A reply the policy will hold")
    db.session.query(Notification).delete()
    post.state = "held"
    commit()
    post.state = "published"
    signals.send_after_commit(signals.post_state_changed, post=post)
    commit()
    assert [n.kind for n in notes_for(db, author)] == ["reply"]


def test_bell_shows_unread_count_and_mark_all_read_clears_it(client, auth, db, make_thread, make_member):
    author = make_member("olga")
    thread = make_thread(author=author)
    actions.create_post(make_member("bob"), thread, "first reply")
    actions.create_post(make_member("carl"), thread, "second reply")
    auth.login("olga")
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "data-live-count>2<" in listing
    assert listing.count('class="notification unread"') == 2
    auth.post("/notifications/read", headers={"Referer": "/notifications/"})
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "data-live-count hidden>0<" in listing and 'class="notification unread"' not in listing


def test_opening_a_notification_marks_it_read_and_goes_to_the_post(client, auth, db, make_thread, make_member):
    author = make_member("olga")
    thread = make_thread(author=author)
    actions.create_post(make_member("bob"), thread, "a reply")
    note = notes_for(db, author)[0]
    auth.login("olga")
    response = client.get(f"/notifications/{note.id}")
    assert response.status_code == 302
    assert f"/t/{thread.id}" in response.headers["Location"] and "#post-2" in response.headers["Location"]
    db.session.refresh(note)
    assert note.read_at is not None


def test_member_cannot_open_someone_elses_notification(client, auth, db, make_thread, make_member):
    author = make_member("olga")
    thread = make_thread(author=author)
    actions.create_post(make_member("bob"), thread, "a reply")
    note = notes_for(db, author)[0]
    make_member("eve")
    auth.login("eve")
    assert client.get(f"/notifications/{note.id}").status_code == 404
    db.session.refresh(note)
    assert note.read_at is None


def test_mark_read_requires_csrf_token(client, auth, db, make_thread, make_member):
    author = make_member("olga")
    actions.create_post(make_member("bob"), make_thread(author=author), "a reply")
    auth.login("olga")
    assert client.post("/notifications/read").status_code == 400
    assert all(n.read_at is None for n in notes_for(db, author))
