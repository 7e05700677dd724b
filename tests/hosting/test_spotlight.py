"""The spotlight meter and the composer check staff see before they post."""
from community.hosting import floor
from community.settings import update_setting


def test_staff_share_is_measured_per_thread_and_across_the_community(app, facilitator, make_member, make_thread,
                                                                     reply):
    heavy = make_thread(author=make_member(), title="Staff everywhere")
    reply(facilitator, heavy, "Here is how.")
    reply(facilitator, heavy, "And one more thing.")
    light = make_thread(author=make_member(), title="Members talking")
    reply(make_member(), light, "I had the same trouble with mine last week.")
    reply(facilitator, light, "Good tip, the reset button helps too.")
    reply(make_member(), light, "That worked for me, the light is green again.")
    meter = floor.spotlight(30)
    assert (meter.posts, meter.staff_posts) == (7, 3)
    rows = {row.thread.title: row for row in meter.threads}
    assert round(rows["Staff everywhere"].share, 2) == 0.67 and rows["Staff everywhere"].marked
    assert rows["Members talking"].share == 0.25 and not rows["Members talking"].marked
    assert [row.thread.title for row in meter.threads] == ["Staff everywhere", "Members talking"]


def test_the_period_limits_what_the_meter_counts(app, facilitator, make_member, make_thread, reply, backdate):
    old = make_thread(author=make_member(), title="Last quarter")
    reply(facilitator, old, "Answered back then.")
    backdate(old, days=40)
    make_thread(author=make_member(), title="This week")
    assert (floor.spotlight(7).posts, floor.spotlight(7).staff_posts) == (1, 0)
    assert (floor.spotlight(90).posts, floor.spotlight(90).staff_posts) == (3, 1)


def test_the_admins_threshold_decides_which_threads_are_marked(app, admin, facilitator, make_member, make_thread,
                                                               reply):
    thread = make_thread(author=make_member())
    reply(facilitator, thread, "Try this.")
    assert floor.spotlight(7).threads[0].marked  # 50% > 40%
    update_setting(admin, "spotlight_max_staff_share", 0.6)
    assert not floor.spotlight(7).threads[0].marked


def test_spotlight_page_marks_staff_heavy_threads(app, client, auth, facilitator, make_member, make_thread, reply):
    thread = make_thread(author=make_member(), title="Staff everywhere")
    reply(facilitator, thread, "Here is how.")
    auth.login("fran")
    page = client.get("/floor/spotlight?days=7").get_data(as_text=True)
    assert "Staff everywhere" in page and "Staff-heavy" in page and 'aria-current="true">7 days' in page


def test_composer_check_warns_staff_before_adding_to_a_staff_heavy_thread(app, client, auth, facilitator,
                                                                           make_member, make_thread, reply):
    thread = make_thread(author=make_member())
    reply(facilitator, thread, "Here is how.")
    auth.login("fran")
    result = client.get(f"/floor/check-post?thread_id={thread.id}&body=Another+tip").get_json()
    assert result["ok"] is False and result["spotlight"]["share"] == 0.5
    assert "1 of the 2 posts" in result["spotlight"]["message"]


def test_composer_check_highlights_selling_phrases(app, client, auth, facilitator, make_thread):
    thread = make_thread()
    auth.login("fran")
    body = "Grab it for $19.99 — buy now!"
    response = client.post("/floor/check-post", json={"thread_id": str(thread.id), "body": body},
                           headers={"X-CSRFToken": _token(client)})
    result = response.get_json()
    assert response.status_code == 200 and result["spotlight"] is None
    assert [body[s:e] for s, e in result["promo"]["highlights"]] == ["$19.99", "buy now"]
    assert "Price: $19.99" in result["promo"]["summary"] and result["promo"]["reminder"]


def test_a_calm_post_in_a_balanced_thread_passes_the_check(app, client, auth, facilitator, make_thread):
    thread = make_thread()
    auth.login("fran")
    result = client.get(f"/floor/check-post?thread_id={thread.id}&body=Hold+the+button").get_json()
    assert result["ok"] is True and result["promo"]["findings"] == []


def test_composer_check_without_a_csrf_token_is_refused(app, client, auth, facilitator):
    auth.login("fran")
    assert client.post("/floor/check-post", json={"body": "buy now"}).status_code == 400


def test_composer_check_of_an_unknown_thread_is_not_found(app, client, auth, facilitator):
    auth.login("fran")
    assert client.get("/floor/check-post?thread_id=999&body=x").status_code == 404
    assert client.get("/floor/check-post?thread_id=abc&body=x").status_code == 400


def _token(client):
    from tests.conftest import csrf_token
    return csrf_token(client)


def test_staff_only_categories_stay_out_of_the_spotlight(app, client, auth, facilitator, make_category,
                                                         make_thread):
    backroom = make_category("Team room", staff_only=True)
    thread = make_thread(author=facilitator, category=backroom, title="Roadmap notes")
    make_thread(title="A member question")
    meter = floor.spotlight(7)
    assert (meter.posts, meter.staff_posts, meter.threads) == (1, 0, [])
    auth.login("fran")
    assert client.get(f"/floor/check-post?thread_id={thread.id}&body=More+notes").get_json()["spotlight"] is None
