"""Live vote totals: every open copy of a feature request's thread page hears the new number after a vote."""
import pytest

from community.ideas import actions


@pytest.fixture
def request_thread(make_thread, member):
    return make_thread(author=member, title="Let me pay once a year", is_feature_request=True)


def vote_counts(sio):
    return [event["args"][0] for event in sio.get_received("/live") if event["name"] == "vote_count"]


@pytest.fixture
def watcher(open_thread_page, make_member):
    """A new member with the thread page open."""
    def open_page(username, thread):
        make_member(username)
        return open_thread_page(username, thread)

    return open_page


def test_a_vote_updates_every_open_copy_of_the_page(client, auth, request_thread, make_member, watcher):
    first, second = watcher("olga", request_thread), watcher("otto", request_thread)
    make_member("vera")
    auth.login("vera")
    response = auth.post(f"/ideas/{request_thread.id}/vote", headers={"Accept": "application/json"})
    assert response.get_json() == {"voted": True, "votes": 2}
    expected = [{"thread_id": request_thread.id, "votes": 2}]
    assert vote_counts(first) == expected and vote_counts(second) == expected

    auth.post(f"/ideas/{request_thread.id}/vote", headers={"Accept": "application/json"})  # takes it back
    assert vote_counts(first) == [{"thread_id": request_thread.id, "votes": 1}]


def test_pages_of_other_threads_hear_nothing(request_thread, make_thread, make_member, watcher):
    other = make_thread(title="Dark mode for the app", is_feature_request=True)
    elsewhere = watcher("olga", other)
    actions.toggle_vote(make_member("vera"), request_thread)
    assert vote_counts(elsewhere) == []


def test_a_refused_vote_sends_nothing(request_thread, make_member, make_thread, watcher):
    from community.errors import Invalid

    page = watcher("olga", request_thread)
    target = make_thread(title="Annual plans", is_feature_request=True)
    actions.merge_requests(make_member("fran", role="facilitator"), request_thread, target)
    page.get_received("/live")
    with pytest.raises(Invalid):
        actions.toggle_vote(make_member("vera"), request_thread)
    assert vote_counts(page) == []


def test_merging_updates_the_open_page_of_the_request_it_went_into(request_thread, make_member, make_thread,
                                                                   watcher):
    target = make_thread(title="Annual plans", is_feature_request=True)
    page = watcher("olga", target)
    for name in ("vera", "vic"):
        actions.toggle_vote(make_member(name), request_thread)
    assert actions.merge_requests(make_member("fran", role="facilitator"), request_thread, target).vote_count == 4
    assert vote_counts(page) == [{"thread_id": target.id, "votes": 4}]


def test_signed_in_readers_get_the_live_script_and_visitors_do_not(client, auth, request_thread):
    script = "/static/js/ideas-live.js"
    assert script not in client.get(f"/t/{request_thread.id}").get_data(as_text=True)
    auth.login("maria")
    page = client.get(f"/t/{request_thread.id}").get_data(as_text=True)
    assert script in page and "<script>" not in page



def test_a_request_moved_out_of_members_sight_sends_them_no_more_totals(request_thread, make_member, make_category,
                                                                       watcher):
    from community.moderation.threads import move_thread

    page = watcher("olga", request_thread)  # opened while every member could see it
    staff_room = make_category("Roadmap (staff)", staff_only=True)
    fran = make_member("fran", role="facilitator")
    move_thread(fran, request_thread, staff_room, "Internal planning")
    page.get_received("/live")
    actions.toggle_vote(fran, request_thread)
    assert vote_counts(page) == []


def test_staff_with_a_staff_only_request_open_hear_its_new_totals(request_thread, make_member, make_category,
                                                                  open_thread_page):
    from community.moderation.threads import move_thread

    fran = make_member("fran", role="facilitator")
    move_thread(fran, request_thread, make_category("Roadmap (staff)", staff_only=True), "Internal planning")
    make_member("felix", role="facilitator")
    page = open_thread_page("felix", request_thread)
    actions.toggle_vote(fran, request_thread)
    assert vote_counts(page) == [{"thread_id": request_thread.id, "votes": 2}]
