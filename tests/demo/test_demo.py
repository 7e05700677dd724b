"""The demo community: seeded, lifelike, consistent, and its printed sign-ins work."""
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select

from community.auth.models import User
from community.chat.models import Message, Room, RoomMember
from community.database import utcnow
from community.demo.load import credential_lines, load_demo
from community.demo.people import MEMBERS
from community.demo.plan import plan_community
from community.forum.models import Category, Post, PostLike, Thread
from community.notifications.models import Notification

MEMBER_NAMES = [m[0] for m in MEMBERS]


def _count(db, column, *where):
    return db.session.scalar(select(func.count(column)).where(*where))


def test_same_seed_gives_the_same_community_and_another_seed_a_different_one():
    first = [p.title for p in plan_community(7, 60, MEMBER_NAMES)]
    again = [p.title for p in plan_community(7, 60, MEMBER_NAMES)]
    other = [p.title for p in plan_community(8, 60, MEMBER_NAMES)]
    assert first == again
    assert first != other
    assert len(set(first)) > 40  # titles vary, not one template repeated


def test_demo_load_creates_people_roles_categories_and_planned_threads(runner, db):
    result = runner.invoke(args=["demo", "load", "--threads", "12", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "facilitator: `fran` / `password`" in result.output

    roles = dict(db.session.execute(select(User.username, User.role)).all())
    assert roles["fran"] == roles["felix"] == "facilitator"
    assert roles["pat"] == "product_manager"
    assert roles["ada"] == "admin"
    assert len(roles) == 34
    assert db.session.scalar(select(User).where(User.username == "maria_k")).interest_names

    categories = {c.name: c for c in db.session.scalars(select(Category))}
    assert {"Announcements", "Product Q&A", "Ideas & Feature Requests", "Show & Tell", "Off-topic",
            "Staff room"} <= set(categories)
    assert categories["Staff room"].staff_only and not categories["Product Q&A"].staff_only
    assert categories["Announcements"].read_only

    titles = sorted(db.session.scalars(select(Thread.title)))
    assert titles == sorted(p.title for p in plan_community(3, 12, MEMBER_NAMES))
    announcements = db.session.scalars(select(Thread).where(Thread.category_id == categories["Announcements"].id))
    assert all(t.author.role != "member" for t in announcements)
    for thread in db.session.scalars(select(Thread)):
        visible = _count(db, Post.id, Post.thread_id == thread.id, Post.state == "published")
        assert thread.reply_count == visible - 1
        assert thread.last_posted_at >= thread.created_at


def test_printed_demo_credentials_sign_in_through_the_login_form(runner, client, auth):
    assert runner.invoke(args=["demo", "load", "--threads", "6"]).exit_code == 0
    for line in credential_lines():
        username = line.split("`")[1]
        response = auth.login(username, "password")
        assert response.status_code == 302, line
        assert 'data-user-id="' in client.get("/").get_data(as_text=True), line
        auth.logout()
    assert auth.login("fran", "wrong password").status_code == 400


def test_load_if_empty_leaves_an_existing_community_alone(runner, db, member):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert _count(db, User.id) == 1
    refused = runner.invoke(args=["demo", "load"])
    assert refused.exit_code != 0
    assert "members already" in refused.output


def test_bulk_load_keeps_counters_matching_the_rows(app, db, client):
    load_demo(threads=6, bulk_threads=40, seed=5, echo=lambda *a: None)
    assert _count(db, Thread.id) == 46
    for thread in db.session.scalars(select(Thread)):
        posts = _count(db, Post.id, Post.thread_id == thread.id)
        likes = db.session.scalar(select(func.coalesce(func.sum(Post.like_count), 0)).where(Post.thread_id == thread.id))
        assert thread.reply_count == posts - 1
        assert thread.like_count == likes
    assert db.session.scalar(select(func.sum(Post.like_count))) == _count(db, PostLike.post_id)
    for category in db.session.scalars(select(Category)):
        assert category.thread_count == _count(db, Thread.id, Thread.category_id == category.id)
    for user in db.session.scalars(select(User)):
        assert user.post_count == _count(db, Post.id, Post.author_id == user.id)
    assert all(t.view_count > t.reply_count for t in db.session.scalars(select(Thread)))
    bulk_thread = db.session.scalar(select(Thread).where(~Thread.category.has(staff_only=True)).order_by(Thread.id.desc()))
    page = client.get(f"/t/{bulk_thread.id}").get_data(as_text=True)
    opening = db.session.scalar(select(Post).where(Post.thread_id == bulk_thread.id, Post.number == 1))
    assert opening.body_html in page


def quiet(*_args, **_kwargs):
    pass


def test_demo_members_have_read_most_notifications_and_a_few_recent_ones_wait(app, db, client, auth):
    load_demo(threads=20, seed=3, echo=quiet)
    by_user = defaultdict(list)
    for note in db.session.scalars(select(Notification).order_by(Notification.created_at)):
        by_user[note.user_id].append(note)
    assert max(len(notes) for notes in by_user.values()) > 20  # busy members, so reading most of them shows
    for notes in by_user.values():
        unread = [n for n in notes if n.read_at is None]
        read = [n for n in notes if n.read_at is not None]
        assert 1 <= len(unread) <= 5
        assert all(n.created_at <= n.read_at <= utcnow() for n in read)
        if read:
            assert min(n.created_at for n in unread) >= max(n.created_at for n in read)  # the newest wait
    # Told when it happened: a reply's notification carries the reply's date, not the moment of loading.
    reply = db.session.scalar(select(Notification).where(Notification.kind == "reply").order_by(Notification.id))
    assert reply.created_at == db.session.get(Post, reply.post_id).created_at
    maria = db.session.scalar(select(User).where(User.username == "maria_k"))
    auth.login("maria_k", "password")
    unread = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == maria.id, Notification.read_at.is_(None)))
    assert f'<span class="bell-count" data-live-count>{unread}</span>' in client.get("/").get_data(as_text=True)


def test_demo_threads_have_views_in_proportion_to_their_replies_and_likes(app, db):
    load_demo(threads=40, seed=3, echo=quiet)
    threads = db.session.scalars(select(Thread)).all()
    assert all(t.view_count > t.reply_count for t in threads)
    public = [t for t in threads if not t.category.staff_only]
    quiet_ones = [t.view_count for t in public if t.reply_count <= 1 and t.like_count <= 2]
    busy_ones = [t.view_count for t in public if t.reply_count >= 6]
    assert quiet_ones and busy_ones
    assert sum(busy_ones) / len(busy_ones) > 2 * sum(quiet_ones) / len(quiet_ones)
    staff_room = [t.view_count for t in threads if t.category.staff_only]
    assert max(staff_room) < max(busy_ones)  # only the few staff read the staff room


def test_demo_has_open_chat_rooms_with_recent_talk_from_several_members(app, db, client, auth):
    load_demo(threads=6, seed=3, echo=quiet)
    rooms = db.session.scalars(select(Room).where(Room.kind == "public", Room.state == "open")).all()
    assert 2 <= len(rooms) <= 3
    now = utcnow()
    for room in rooms:
        messages = db.session.scalars(select(Message).where(Message.room_id == room.id).order_by(Message.seq)).all()
        assert len(messages) >= 8 and room.last_seq == messages[-1].seq
        assert len({m.author_id for m in messages}) >= 3
        assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)
        assert now - timedelta(hours=1) < messages[-1].created_at < now  # talk from minutes ago
        assert messages[0].created_at > now - timedelta(days=3)
        assert room.last_message_at == messages[-1].created_at and room.created_at < messages[0].created_at
        for member in db.session.scalars(select(RoomMember).where(RoomMember.room_id == room.id)):
            assert room.last_seq - 3 <= member.last_read_seq <= room.last_seq  # a few new ones at most
    auth.login("maria_k", "password")
    page = client.get("/chat/").get_data(as_text=True)
    assert all(room.name.replace("&", "&amp;").replace("'", "&#39;") in page for room in rooms)


def _community_snapshot(db):
    """What a visitor or member would see of the community, independent of the moment it was loaded."""
    return {
        "views": sorted(db.session.execute(select(Thread.title, Thread.view_count)).all()),
        "chat": db.session.execute(select(Message.room_id, Message.author_id, Message.body_source)
                                   .order_by(Message.room_id, Message.seq)).all(),
        "reads": db.session.execute(select(Notification.user_id, Notification.kind, Notification.read_at.is_(None))
                                    .order_by(Notification.id)).all(),
    }


def test_the_same_seed_gives_the_same_views_rooms_and_read_notifications(app, db, tmp_path):
    from community import create_app
    from community.extensions import db as database
    from tests.conftest import _test_config

    load_demo(threads=8, seed=11, echo=quiet)
    first = _community_snapshot(db)
    other = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'again.db'}",
                        "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    with other.app_context():
        database.create_all()
        load_demo(threads=8, seed=11, echo=quiet)
        again = _community_snapshot(database)
        database.session.remove()
        database.engine.dispose()
    assert again == first and first["chat"] and first["reads"]
