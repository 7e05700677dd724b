"""The demo community: seeded, lifelike, consistent, and its printed sign-ins work."""
from sqlalchemy import func, select

from community.auth.models import User
from community.demo.load import credential_lines, load_demo
from community.demo.people import MEMBERS
from community.demo.plan import plan_community
from community.forum.models import Category, Post, PostLike, Thread

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
    bulk_thread = db.session.scalar(select(Thread).where(~Thread.category.has(staff_only=True)).order_by(Thread.id.desc()))
    page = client.get(f"/t/{bulk_thread.id}").get_data(as_text=True)
    opening = db.session.scalar(select(Post).where(Post.thread_id == bulk_thread.id, Post.number == 1))
    assert opening.body_html in page
