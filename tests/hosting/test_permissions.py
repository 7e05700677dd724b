"""Every /floor endpoint refuses anonymous visitors and members, and changes nothing when it does."""
import pytest
from sqlalchemy import func, select

from community.hosting.models import FloorMark, Introduction, MemberNote, Welcome
from community.moderation.models import AuditEntry
from community.notifications.models import Notification
from community.settings import Setting, get_setting

RECORDS = (MemberNote, Introduction, Welcome, FloorMark, AuditEntry, Notification, Setting)


@pytest.fixture
def scene(app, make_member, make_thread, facilitator):
    other = make_member("olga")
    thread = make_thread(author=other, title="A thread on the floor")
    return {"member_id": other.id, "thread_id": thread.id}


def endpoints(scene):
    m, t = scene["member_id"], scene["thread_id"]
    return [
        ("GET", "/floor/", None),
        ("GET", "/floor/edges", None),
        ("GET", "/floor/spotlight?days=7", None),
        ("GET", "/floor/welcome", None),
        ("GET", "/floor/introductions", None),
        ("GET", f"/floor/members/{m}/notes", None),
        ("GET", f"/floor/check-post?thread_id={t}&body=buy+now", None),
        ("GET", "/floor/settings", None),
        ("POST", f"/floor/threads/{t}/handled", {"reason": "done"}),
        ("POST", f"/floor/welcome/{m}", {"message": "Welcome!"}),
        ("POST", "/floor/introductions", {"first": "olga", "second": "fran", "message": "Meet"}),
        ("POST", f"/floor/members/{m}/notes", {"body": "A note"}),
        ("POST", "/floor/check-post", {"thread_id": str(t), "body": "buy now"}),
        ("POST", "/floor/settings", {"s-chime_in_after_minutes": "5"}),
    ]


def snapshot(db):
    counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in RECORDS}
    return counts, get_setting("chime_in_after_minutes")


@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_members_and_visitors_are_refused_everywhere_on_the_floor_and_nothing_changes(
        app, client, auth, db, make_member, scene, role):
    if role == "member":
        make_member("maria")
        auth.login("maria")
    before = snapshot(db)
    for method, path, data in endpoints(scene):
        response = client.get(path) if method == "GET" else auth.post(path, data)
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"], (method, path)
        else:
            assert response.status_code == 403, (method, path, response.status_code)
    assert snapshot(db) == before


def test_only_admins_open_the_settings_page(app, client, auth, scene, product_manager):
    auth.login("fran")
    assert client.get("/floor/settings").status_code == 403
    auth.logout()
    auth.login("pat")
    assert client.get("/floor/settings").status_code == 403
    assert client.get("/floor/").status_code == 200


def test_product_managers_look_but_do_not_act(app, client, auth, db, scene, product_manager):
    auth.login("pat")
    before = snapshot(db)
    for method, path, data in endpoints(scene):
        if method == "POST" and "check-post" not in path:
            assert auth.post(path, data).status_code == 403, path
    assert snapshot(db) == before
