"""Feature-request pages as members, staff and visitors use them: voting, status, merging, marking."""
import re

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import func, select

from community.forum.models import Thread
from community.ideas import actions
from community.ideas.models import RequestStatusChange, Vote


@pytest.fixture
def request_thread(make_thread, member):
    return make_thread(author=member, title="Let me pay once a year", is_feature_request=True)


def vote_count(db, thread_id):
    db.session.expire_all()
    return db.session.get(Thread, thread_id).vote_count


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def render_panel(app, user, thread):
    with app.test_request_context(f"/t/{thread.id}"):
        if user is not None:
            login_user(user)
        return render_template_string('{% include "ideas/_thread_panel.html" %}', thread=thread)


def test_member_votes_with_the_plain_form(client, auth, db, request_thread, make_member):
    make_member("vera")
    auth.login("vera")
    response = auth.post(f"/ideas/{request_thread.id}/vote")
    assert response.status_code == 302 and response.headers["Location"].endswith("#request")
    assert vote_count(db, request_thread.id) == 2


def test_vote_from_script_answers_with_the_new_count(client, auth, db, request_thread, make_member):
    make_member("vera")
    auth.login("vera")
    response = auth.post(f"/ideas/{request_thread.id}/vote", headers={"Accept": "application/json"})
    assert response.get_json() == {"voted": True, "votes": 2}
    response = auth.post(f"/ideas/{request_thread.id}/vote", headers={"Accept": "application/json"})
    assert response.get_json() == {"voted": False, "votes": 1}


def test_vote_without_csrf_token_is_refused(client, auth, db, request_thread, make_member):
    make_member("vera")
    auth.login("vera")
    assert client.post(f"/ideas/{request_thread.id}/vote").status_code == 400
    assert vote_count(db, request_thread.id) == 1


def test_visitor_who_votes_is_sent_to_sign_in_and_nothing_is_counted(client, auth, db, request_thread):
    response = auth.post(f"/ideas/{request_thread.id}/vote")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert vote_count(db, request_thread.id) == 1


def test_panel_shows_votes_status_note_and_the_voters_button_state(app, db, request_thread, member,
                                                                   product_manager):
    actions.set_request_status(product_manager, request_thread, "planned", "Coming in <spring>.")
    thread = db.session.get(Thread, request_thread.id)
    html = render_panel(app, member, thread)
    assert "1 vote" in text_of(html) and "Planned" in html
    assert "Coming in &lt;spring&gt;." in html  # the note is text, never markup
    assert 'aria-pressed="true"' in html and "Set status" not in html and "Merge" not in html


def test_panel_offers_product_managers_the_status_form(app, db, request_thread, product_manager):
    html = render_panel(app, product_manager, db.session.get(Thread, request_thread.id))
    assert f'action="/ideas/{request_thread.id}/status"' in html and f'/ideas/{request_thread.id}/merge' in html


def test_panel_asks_visitors_to_sign_in_to_vote(app, db, request_thread):
    html = render_panel(app, None, db.session.get(Thread, request_thread.id))
    assert "Sign in to vote" in html and "/vote" not in html


def test_panel_lets_staff_mark_an_ordinary_thread(app, db, make_thread, facilitator, make_member):
    thread = make_thread(title="Dark mode would be nice")
    assert "Mark as a feature request" in render_panel(app, facilitator, thread)
    assert render_panel(app, make_member(), thread).strip() == ""


def test_product_manager_sets_status_through_the_form(client, auth, db, request_thread, product_manager):
    auth.login("pat")
    response = auth.post(f"/ideas/{request_thread.id}/status", {"status": "under_review", "note": "Looking at it."})
    assert response.status_code == 302
    thread = db.session.get(Thread, request_thread.id)
    assert (thread.request_status, thread.request_status_note) == ("under_review", "Looking at it.")


def test_too_long_note_is_refused_keeping_the_text(client, auth, db, request_thread, product_manager):
    auth.login("pat")
    note = "A careful explanation. " * 100
    response = auth.post(f"/ideas/{request_thread.id}/status", {"status": "planned", "note": note})
    assert response.status_code == 400
    assert "A careful explanation." in response.get_data(as_text=True)
    assert db.session.get(Thread, request_thread.id).request_status == "open"


def test_member_cannot_set_status_and_nothing_changes(client, auth, db, request_thread, make_member):
    make_member("vera")
    auth.login("vera")
    response = auth.post(f"/ideas/{request_thread.id}/status", {"status": "shipped", "note": "done"})
    assert response.status_code == 403
    assert client.get(f"/ideas/{request_thread.id}/status").status_code == 403
    assert db.session.get(Thread, request_thread.id).request_status == "open"
    assert db.session.scalar(select(func.count()).select_from(RequestStatusChange)) == 0


def test_visitor_setting_status_is_sent_to_sign_in(client, auth, db, request_thread):
    response = auth.post(f"/ideas/{request_thread.id}/status", {"status": "shipped"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.get(Thread, request_thread.id).request_status == "open"


@pytest.fixture
def duplicate(make_thread, make_member, request_thread):
    return make_thread(author=make_member("dmitri"), category=request_thread.category,
                       title="Yearly billing please", is_feature_request=True)


def test_staff_merge_a_duplicate_and_its_old_address_leads_to_the_new(client, auth, db, request_thread, duplicate,
                                                                      facilitator):
    auth.login("fran")
    response = auth.post(f"/ideas/{duplicate.id}/merge", {"target": f"#{request_thread.id}", "reason": "Same ask"})
    assert response.status_code == 302 and f"/t/{request_thread.id}" in response.headers["Location"]
    assert vote_count(db, request_thread.id) == 2
    old = client.get(f"/t/{duplicate.id}")
    assert old.status_code in (301, 302) and f"/t/{request_thread.id}" in old.headers["Location"]


def test_merge_page_suggests_similar_requests(client, auth, request_thread, duplicate, facilitator):
    auth.login("fran")
    page = client.get(f"/ideas/{duplicate.id}/merge").get_data(as_text=True)
    assert "Merge this request into another" in page
    assert f"#{request_thread.id}</strong>" in page and "Let me pay once a year" in page


def test_merge_into_an_unknown_thread_explains_itself(client, auth, db, duplicate, facilitator):
    auth.login("fran")
    response = auth.post(f"/ideas/{duplicate.id}/merge", {"target": "#99999"})
    assert response.status_code == 400 and "no thread number 99999" in response.get_data(as_text=True)
    assert db.session.get(Thread, duplicate.id).redirect_to_id is None


def test_member_cannot_merge_and_nothing_changes(client, auth, db, request_thread, duplicate, make_member):
    make_member("vera")
    auth.login("vera")
    response = auth.post(f"/ideas/{duplicate.id}/merge", {"target": str(request_thread.id)})
    assert response.status_code == 403
    assert db.session.get(Thread, duplicate.id).redirect_to_id is None
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.thread_id == duplicate.id)) == 1


def test_visitor_merging_is_sent_to_sign_in(client, auth, db, request_thread, duplicate):
    response = auth.post(f"/ideas/{duplicate.id}/merge", {"target": str(request_thread.id)})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.get(Thread, duplicate.id).redirect_to_id is None


def test_staff_mark_a_thread_as_a_feature_request(client, auth, db, make_thread, facilitator):
    thread = make_thread(title="Dark mode would be nice")
    auth.login("fran")
    assert auth.post(f"/ideas/{thread.id}/feature-request", {"mark": "1"}).status_code == 302
    thread = db.session.get(Thread, thread.id)
    assert thread.is_feature_request and thread.vote_count == 1


def test_member_cannot_mark_someone_elses_thread(client, auth, db, make_thread, make_member):
    thread = make_thread(title="Dark mode would be nice")
    make_member("vera")
    auth.login("vera")
    assert auth.post(f"/ideas/{thread.id}/feature-request", {"mark": "1"}).status_code == 403
    assert db.session.get(Thread, thread.id).is_feature_request is False


def test_vote_refused_to_a_script_says_why_in_json(client, auth, db, make_thread, make_member):
    thread = make_thread(title="How do I descale the kettle?")
    make_member("vera")
    auth.login("vera")
    response = auth.post(f"/ideas/{thread.id}/vote", headers={"Accept": "application/json"})
    assert response.status_code == 403 and "feature requests" in response.get_json()["error"]


def test_thread_page_shows_the_request_panel_with_status_note(client, auth, db, request_thread, product_manager):
    actions.set_request_status(product_manager, request_thread, "planned", "Coming with the spring release.")
    page = client.get(f"/t/{request_thread.id}").get_data(as_text=True)
    assert 'id="request"' in page and "Planned" in page and "Coming with the spring release." in page
    assert "1 vote" in text_of(page) and "Sign in to vote" in page


def test_new_thread_page_carries_the_similar_threads_box(client, auth, member, make_category):
    make_category()
    auth.login("maria")
    page = client.get("/new").get_data(as_text=True)
    assert 'data-similar-threads data-url="/ideas/similar"' in page and "js/ideas.js" in page


def test_navigation_leads_to_the_board(client):
    assert 'href="/ideas"' in client.get("/").get_data(as_text=True)


def test_panel_offers_the_author_no_unmark_once_others_voted(app, db, request_thread, member, make_member):
    assert "Unmark as a feature request" in render_panel(app, member, db.session.get(Thread, request_thread.id))
    actions.toggle_vote(make_member(), request_thread)
    assert "Unmark as a feature request" not in render_panel(app, member, db.session.get(Thread, request_thread.id))
