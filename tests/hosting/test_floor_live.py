"""The floor, live: staff watching the floor hear when its items change; members never do."""
import pytest
from flask import g
from sqlalchemy import select

from community.extensions import db as _db
from community.forum.models import Post

from community.forum.actions import create_thread, delete_post
from community.hosting.actions import mark_mood_handled
from community.moderation.actions import approve_post
from community.moderation.flags import flag_post, resolve_flags
from community.settings import update_setting
from tests.conftest import AuthActions

ANGRY = "This is terrible, awful and broken. I hate it."
ANGRIER = "Horrible support, useless product, I am furious."


def floor_events(sio):
    return [event["args"][0] for event in sio.get_received("/live") if event["name"] == "floor_changed"]


@pytest.fixture
def live_socket(app, socket_client):
    """A signed-in socket on /live for username, on its own browser session."""
    def connect(username):
        http = app.test_client()
        AuthActions(http).login(username)
        g.pop("_login_user", None)  # the test shares one app context between clients
        sio = socket_client("/live", http_client=http)
        assert sio.is_connected("/live")
        return sio

    return connect


@pytest.fixture
def floor_watcher(live_socket, facilitator):
    sio = live_socket("fran")
    assert sio.emit("watch_floor", {}, namespace="/live", callback=True) == {"ok": True}
    sio.get_received("/live")
    return sio


@pytest.fixture
def category(make_category):
    return make_category("Kettles")


def test_a_member_cannot_watch_the_floor_and_hears_none_of_it(app, live_socket, floor_watcher, member, admin,
                                                              make_member, category):
    snoop = live_socket("maria")
    reply = snoop.emit("watch_floor", {}, namespace="/live", callback=True)
    assert reply["ok"] is False and reply["error"]["code"] == "notallowed"
    snoop.get_received("/live")

    newcomer = make_member("nina")
    thread = create_thread(newcomer, category, "Hello, my first question", ANGRY)
    opening = _db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    flag_post(make_member("otto"), opening, "inappropriate")
    resolve_flags(admin, opening, agree=False, reason="Strong words, but about the product.")
    update_setting(admin, "watched_words", {"block": [], "hold": ["refund"], "flag": []})
    create_thread(make_member("rex"), category, "Where is my refund", "I want a refund for the kettle.")

    assert [e["section"] for e in floor_events(floor_watcher)] == ["newcomers", "flagged", "flagged", "held"]
    assert floor_events(snoop) == []


def test_a_newcomers_first_thread_is_announced_and_their_second_is_not(floor_watcher, make_member, category,
                                                                       facilitator):
    nina = make_member("nina")
    create_thread(nina, category, "Hello, my first question", "How do I descale the kettle?")
    assert floor_events(floor_watcher) == [{"section": "newcomers", "change": "new"}]
    create_thread(nina, category, "And a second one", "Which filter fits the kettle?")
    create_thread(facilitator, category, "Welcome, everyone", "Say hello here.")
    assert floor_events(floor_watcher) == []


def test_the_first_reply_takes_a_thread_off_the_waiting_list(floor_watcher, make_member, make_thread, reply):
    thread = make_thread(author=make_member("rita"))
    floor_events(floor_watcher)
    reply(make_member(), thread, "Restarting it worked for me.")
    assert floor_events(floor_watcher) == [{"section": "waiting", "change": "handled"}]
    reply(make_member(), thread, "Same here, thanks.")
    assert floor_events(floor_watcher) == []


def test_locking_or_deleting_an_unanswered_thread_takes_it_off_the_queue(floor_watcher, facilitator, make_member,
                                                                        make_thread):
    from community.moderation.threads import set_locked

    locked = make_thread(author=make_member())
    floor_events(floor_watcher)
    set_locked(facilitator, locked, True, "Duplicate of the pinned kettle thread.")
    assert floor_events(floor_watcher) == [{"section": "waiting", "change": "handled"}]
    set_locked(facilitator, locked, False, "Opened again.")
    assert floor_events(floor_watcher) == [{"section": "waiting", "change": "changed"}]
    author = make_member()
    gone = make_thread(author=author)
    opening = _db.session.scalar(select(Post).where(Post.thread_id == gone.id))
    floor_events(floor_watcher)
    delete_post(author, opening)
    assert floor_events(floor_watcher) == [{"section": "waiting", "change": "handled"}]


def test_flags_are_announced_once_per_post_and_when_resolved(floor_watcher, make_member, make_thread, reply,
                                                             facilitator):
    post = reply(make_member(), make_thread(), "You are all clueless.")
    floor_events(floor_watcher)
    flag_post(make_member(), post, "inappropriate")
    assert floor_events(floor_watcher) == [{"section": "flagged", "change": "new"}]
    flag_post(make_member(), post, "inappropriate")
    assert floor_events(floor_watcher) == [{"section": "flagged", "change": "changed"}]
    resolve_flags(facilitator, post, agree=True, reason="Personal attack.")
    assert floor_events(floor_watcher) == [{"section": "flagged", "change": "handled"}]


def test_held_posts_are_announced_and_leave_when_approved_or_deleted(floor_watcher, admin, facilitator,
                                                                     make_member, make_thread, reply):
    update_setting(admin, "watched_words", {"block": [], "hold": ["refund"], "flag": []})
    thread = make_thread()
    floor_events(floor_watcher)
    held = reply(make_member(), thread, "Can I get a refund?")
    assert held.state == "held"
    assert floor_events(floor_watcher) == [{"section": "held", "change": "new"}]
    approve_post(facilitator, held)
    assert floor_events(floor_watcher) == [{"section": "held", "change": "handled"}]
    author = make_member()
    other = reply(author, thread, "A refund please, too.")
    floor_events(floor_watcher)
    delete_post(author, other)
    assert floor_events(floor_watcher) == [{"section": "held", "change": "handled"}]


def test_a_thread_turning_sour_is_announced_and_leaves_when_handled(floor_watcher, facilitator, make_member,
                                                                    make_thread, reply):
    thread = make_thread(author=make_member(), title="Broken again", body=ANGRY)
    reply(make_member(), thread, "Thanks for posting.")  # the first reply, nothing sour yet
    floor_events(floor_watcher)
    reply(make_member(), thread, ANGRIER)
    reply(make_member(), thread, ANGRY)
    # It turned sour with the first angry reply; the second keeps it there without announcing it again.
    assert floor_events(floor_watcher) == [{"section": "sour", "change": "new"}]
    mark_mood_handled(facilitator, thread)
    assert floor_events(floor_watcher) == [{"section": "sour", "change": "handled"}]


def test_a_staff_reply_to_a_sour_thread_counts_as_handled(floor_watcher, facilitator, make_member, make_thread,
                                                          reply):
    thread = make_thread(author=make_member(), title="Broken again", body=ANGRY)
    reply(make_member(), thread, ANGRIER)
    floor_events(floor_watcher)
    reply(facilitator, thread, "I'm sorry: let's sort this out. Which model do you have?")
    assert floor_events(floor_watcher) == [{"section": "sour", "change": "handled"}]


def test_product_managers_may_watch_the_floor(live_socket, product_manager):
    sio = live_socket("pat")
    assert sio.emit("watch_floor", {}, namespace="/live", callback=True) == {"ok": True}


def test_the_floor_page_carries_the_live_banner_and_its_script(client, auth, facilitator):
    auth.login("fran")
    page = client.get("/floor/").get_data(as_text=True)
    assert "data-floor-live" in page and "/static/js/floor-live.js" in page and "<script>" not in page



def test_a_demoted_facilitator_stops_hearing_the_floor(live_socket, floor_watcher, admin, make_member, category):
    from community.auth.actions import change_role

    felix = make_member("felix", role="facilitator")
    demoted = live_socket("felix")
    assert demoted.emit("watch_floor", {}, namespace="/live", callback=True) == {"ok": True}
    demoted.get_received("/live")

    change_role(admin, felix, "member", "Moved to another team.")
    # Those still staff are asked to watch again (the page does so on "floor_reset"); felix is not asked.
    assert [e["name"] for e in floor_watcher.get_received("/live")] == ["floor_reset"]
    assert [e["name"] for e in demoted.get_received("/live")] == []
    g.pop("_login_user", None)
    assert floor_watcher.emit("watch_floor", {}, namespace="/live", callback=True) == {"ok": True}
    g.pop("_login_user", None)
    assert demoted.emit("watch_floor", {}, namespace="/live", callback=True)["ok"] is False

    create_thread(make_member("nina"), category, "Hello, my first question", "How do I descale it?")
    assert floor_events(floor_watcher) == [{"section": "newcomers", "change": "new"}]
    assert floor_events(demoted) == []
