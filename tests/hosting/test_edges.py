"""Edges of the crowd: who is at the edge of the room, and whom or what the floor suggests connecting them to."""
from community.hosting import people


def test_a_newcomer_whose_first_post_got_no_reply_is_listed(app, make_member, make_thread, reply, backdate):
    nina = make_member("nina")
    thread = make_thread(author=nina, title="Descaling the kettle")
    answered = make_member("ola")
    other = make_thread(author=answered, title="Which filter?")
    reply(backdate(make_member("old_hand"), days=400), other, "The blue one.")
    edges = people.edges_of_the_crowd()
    assert [(p.user.username, p.post.thread_id) for p in edges.unanswered] == [("nina", thread.id)]


def test_a_newcomers_reply_that_nobody_answered_counts_too(app, make_member, make_thread, reply, backdate):
    veteran = backdate(make_member("vera"), days=400)
    thread = make_thread(author=veteran)
    reply(make_member("vera2"), thread, "Same here")  # answered by nobody after
    assert [p.user.username for p in people.edges_of_the_crowd().unanswered] == ["vera2"]


def test_staff_are_never_at_the_edge(app, facilitator, make_thread):
    make_thread(author=facilitator)
    assert people.edges_of_the_crowd().total == 0


def test_a_member_who_posted_once_and_went_quiet_is_listed(app, make_member, make_thread, backdate):
    quiet = make_member("quinn")
    backdate(make_thread(author=quiet, title="Old question"), days=45)
    busy = make_member("bea")
    backdate(make_thread(author=busy, title="Recent question"), days=3)
    assert [p.user.username for p in people.edges_of_the_crowd().quiet] == ["quinn"]


def test_new_members_with_interests_but_no_posts_get_a_member_and_a_thread_to_meet(
        app, db, make_member, make_thread, interested):
    sam = interested(make_member("sam"), "espresso", "grinders")
    expert = interested(make_member("eli"), "espresso")
    make_thread(author=expert, title="Dialing in a new espresso machine")
    interested(make_member("no_posts_yet"), "espresso")  # never posted: not suggested as a guide
    make_member("uninterested")
    edges = people.edges_of_the_crowd()
    assert [p.user.username for p in edges.silent] == ["sam", "no_posts_yet"]
    sam_edge = edges.silent[0]
    assert sam_edge.suggested_member.username == "eli" and sam_edge.shared_interests == ["espresso"]
    assert sam_edge.suggested_thread.title == "Dialing in a new espresso machine"


def test_a_thread_tagged_with_an_interest_is_suggested(app, make_member, make_thread, interested):
    interested(make_member("tia"), "descaling")
    make_thread(title="My kettle is crusty", tags="descaling")
    edge = people.edges_of_the_crowd().silent[0]
    assert edge.suggested_thread.title == "My kettle is crusty"


def test_edges_page_shows_people_and_suggestions(app, client, auth, facilitator, make_member, make_thread,
                                                 interested):
    interested(make_member("sam"), "espresso")
    guide = interested(make_member("eli"), "espresso")
    make_thread(author=guide, title="Espresso at home")
    auth.login("fran")
    page = client.get("/floor/edges").get_data(as_text=True)
    assert "sam" in page and "/u/eli" in page and "Espresso at home" in page
    assert "/floor/introductions?first=sam&amp;second=eli" in page
