"""The chime-in queue on the floor: what joins it, in what order, and how items leave it once handled."""
from sqlalchemy import event, select

from community.extensions import db as _db
from community.forum.models import Post
from community.hosting import floor
from community.hosting.actions import mark_mood_handled
from community.hosting.models import FloorMark
from community.moderation.models import AuditEntry, Flag


def test_thread_without_reply_after_the_delay_waits_oldest_first(app, make_member, make_thread, backdate):
    old = backdate(make_thread(title="Kettle will not heat up"), minutes=500)
    newer = backdate(make_thread(title="Which filter fits?"), minutes=200)
    backdate(make_thread(title="Just posted a moment ago"), minutes=5)
    waiting = floor.chime_in_queue().waiting
    assert [item.thread.id for item in waiting] == [old.id, newer.id]


def test_a_reply_by_anyone_takes_a_thread_off_the_queue(app, make_member, make_thread, backdate, reply):
    thread = backdate(make_thread(), minutes=500)
    assert [i.thread.id for i in floor.chime_in_queue().waiting] == [thread.id]
    reply(make_member(), thread)
    assert floor.chime_in_queue().waiting == []


def test_staff_announcements_do_not_wait_for_replies(app, facilitator, make_thread, backdate):
    backdate(make_thread(author=facilitator), minutes=500)
    assert floor.chime_in_queue().waiting == []


def test_a_newcomers_first_thread_is_listed_before_the_delay_runs_out(app, make_member, make_thread, backdate):
    newcomer = make_member("nina")
    first = make_thread(author=newcomer, title="Hello, my first question")
    queue = floor.chime_in_queue()
    assert [i.thread.id for i in queue.newcomers] == [first.id] and queue.waiting == []


def test_a_members_second_thread_is_not_a_newcomer_thread(app, make_member, make_thread, backdate):
    regular = make_member("rita")
    backdate(make_thread(author=regular), minutes=900)
    make_thread(author=regular, title="Another question from me")
    assert floor.chime_in_queue().newcomers == []


def test_the_first_thread_is_marked_when_it_has_waited(app, make_member, make_thread, backdate):
    backdate(make_thread(author=make_member()), minutes=500)
    assert floor.chime_in_queue().waiting[0].first_thread is True


def sour_thread(make_member, make_thread, reply):
    angry, angrier = make_member(), make_member()
    thread = make_thread(author=angry, title="Broken again", body="This is terrible, awful and broken. I hate it.")
    reply(angrier, thread, "Horrible support, useless product, I am furious.")
    return thread


def test_a_thread_whose_mood_turns_sour_joins_the_queue(app, make_member, make_thread, reply):
    calm = make_thread(title="Lovely kettle", body="I love it, great design, wonderful tea.")
    reply(make_member(), calm, "Great, happy to hear it!")
    thread = sour_thread(make_member, make_thread, reply)
    sour = floor.chime_in_queue().sour
    assert [i.thread.id for i in sour] == [thread.id] and sour[0].mood < -0.3


def test_marking_a_sour_thread_handled_removes_it_until_new_posts_arrive(app, db, facilitator, make_member,
                                                                         make_thread, reply):
    thread = sour_thread(make_member, make_thread, reply)
    mark_mood_handled(facilitator, thread, "Asked them for the serial number")
    assert floor.chime_in_queue().sour == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mark_mood_handled"))
    assert entry.actor_id == facilitator.id and entry.reason == "Asked them for the serial number"
    reply(make_member(), thread, "Still awful. Terrible, angry, disgusted.")
    assert [i.thread.id for i in floor.chime_in_queue().sour] == [thread.id]


def test_a_staff_reply_counts_as_chiming_in_on_a_sour_thread(app, facilitator, make_member, make_thread, reply):
    thread = sour_thread(make_member, make_thread, reply)
    reply(facilitator, thread, "Sorry about this. Let's sort it out.")
    assert floor.chime_in_queue().sour == []


def test_flagged_posts_are_listed_with_their_reasons_until_resolved(app, db, make_member, make_thread):
    thread = make_thread()
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    db.session.add(Flag(post_id=post.id, user_id=make_member().id, reason="spam", text="selling pans"))
    db.session.add(Flag(post_id=post.id, user_id=make_member().id, reason="off_topic"))
    db.session.commit()
    flagged = floor.chime_in_queue().flagged
    assert flagged[0].post.id == post.id and flagged[0].flag_count == 2
    assert flagged[0].reasons == [("spam", "selling pans"), ("off_topic", "")]
    for flag in db.session.scalars(select(Flag)):
        flag.resolved_at = flag.created_at
    db.session.commit()
    assert floor.chime_in_queue().flagged == []


def test_held_posts_wait_in_the_queue_until_decided(app, db, make_member, make_thread, reply):
    thread = make_thread()
    post = reply(make_member(), thread, "Check out my site")
    post.state, post.state_reason = "held", "New members' links wait for a look."
    db.session.commit()
    assert [i.post.id for i in floor.chime_in_queue().held] == [post.id]
    post.state = "published"
    db.session.commit()
    assert floor.chime_in_queue().held == []


def count_queries(run):
    statements = []

    def record(*args):
        statements.append(args[2])

    engine = _db.engine
    _db.session.expunge_all()  # start cold, as a fresh request in production would
    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_the_floor_page_needs_the_same_number_of_queries_for_many_items(app, client, auth, db, facilitator,
                                                                        make_member, make_thread, backdate, reply):
    def add_items():
        thread = backdate(make_thread(author=make_member()), minutes=500)
        make_thread(author=make_member())
        sour = sour_thread(make_member, make_thread, reply)
        post = db.session.scalar(select(Post).where(Post.thread_id == sour.id, Post.number == 2))
        db.session.add(Flag(post_id=post.id, user_id=make_member().id, reason="spam"))
        held = reply(make_member(), make_thread(), "held text")
        held.state = "held"
        db.session.commit()

    auth.login("fran")
    add_items()
    few = count_queries(lambda: client.get("/floor/"))
    for _ in range(4):
        add_items()
    page = client.get("/floor/")
    many = count_queries(lambda: client.get("/floor/"))
    assert page.status_code == 200 and page.get_data(as_text=True).count('data-kind="waiting"') == 5
    assert many == few


def test_the_floor_shows_items_with_one_click_actions(app, client, auth, make_member, make_thread, backdate,
                                                     facilitator, reply):
    thread = backdate(make_thread(title="Nobody answered me yet"), minutes=500)
    sour = sour_thread(make_member, make_thread, reply)
    auth.login("fran")
    page = client.get("/floor/").get_data(as_text=True)
    assert "Nobody answered me yet" in page and f"/t/{thread.id}/" in page and "#composer" in page
    assert f"/floor/threads/{sour.id}/handled" in page


def test_product_managers_see_the_floor_but_cannot_mark_items_handled(app, client, auth, db, product_manager,
                                                                      make_member, make_thread, reply):
    thread = sour_thread(make_member, make_thread, reply)
    auth.login("pat")
    page = client.get("/floor/")
    assert page.status_code == 200 and "Broken again" in page.get_data(as_text=True)
    assert "Mark handled" not in page.get_data(as_text=True)
    assert auth.post(f"/floor/threads/{thread.id}/handled").status_code == 403
    assert db.session.scalar(select(FloorMark)) is None


def test_facilitator_marks_a_sour_thread_handled_from_the_floor(app, client, auth, db, facilitator, make_member,
                                                              make_thread, reply):
    thread = sour_thread(make_member, make_thread, reply)
    auth.login("fran")
    response = auth.post(f"/floor/threads/{thread.id}/handled", {"reason": "Calmed it"})
    assert response.status_code == 302
    page = client.get("/floor/").get_data(as_text=True)
    assert "off the queue" in page and 'data-kind="mood"' not in page


def test_the_floor_counts_its_items_and_says_its_delay_in_words(app, client, auth, make_member, make_thread,
                                                                backdate, facilitator):
    backdate(make_thread(author=make_member(), title="Nobody answered me yet"), minutes=500)
    auth.login("fran")
    page = client.get("/floor/").get_data(as_text=True)
    assert "1 item wants a host." in page
    assert "No reply after 2 hours;" in page
