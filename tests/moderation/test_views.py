"""Moderation pages: what facilitators see and do through the browser, and what members see of their own."""
import re

import pytest
from sqlalchemy import select

from community.forum.actions import create_post
from community.forum.models import Post
from community.moderation.actions import hide_post
from community.moderation.models import Flag

TWO_LINKS = "Compare https://a.example.org/one and https://b.example.org/two please."
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", re.I)


@pytest.fixture
def held(make_member, make_thread):
    post = create_post(make_member("linker"), make_thread(), TWO_LINKS)
    assert post.state == "held"
    return post


def test_queue_lists_held_posts_for_facilitators(held, facilitator, auth, client):
    auth.login("fran")
    response = client.get("/mod/queue")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "a.example.org/one" in page and "Awaiting review" in page
    assert not INLINE.search(page)


def test_facilitator_approves_from_the_queue(held, facilitator, auth, client, db):
    auth.login("fran")
    response = auth.post(f"/mod/posts/{held.id}/approve", {"next": "/mod/queue"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/mod/queue")
    assert db.session.get(Post, held.id).state == "published"
    assert "Nothing is waiting for review" in client.get("/mod/queue").get_data(as_text=True)


def test_rejecting_without_a_reason_shows_the_error(held, facilitator, auth, db):
    auth.login("fran")
    response = auth.post(f"/mod/posts/{held.id}/reject", {"reason": ""})
    assert response.status_code == 400
    assert "Give a reason" in response.get_data(as_text=True)
    assert db.session.get(Post, held.id).state == "held"


def test_author_sees_awaiting_review_and_rejection_reason(held, facilitator, auth, client):
    auth.login("fran")
    auth.post(f"/mod/posts/{held.id}/reject", {"reason": "Please use the official manual link."})
    auth.logout()
    auth.login("linker")
    page = client.get(f"/t/{held.thread_id}").get_data(as_text=True)
    assert "Please use the official manual link." in page
    history = client.get("/mod/my-history").get_data(as_text=True)
    assert "Post not published" in history and "official manual" in history
    assert "fran" not in history


def test_member_flags_a_post_through_the_form(make_trusted, make_thread, auth, client, db):
    post = create_post(make_trusted("author1"), make_thread(), "Visit my totally legit giveaway site.")
    make_trusted("reporter")
    auth.login("reporter")
    assert client.get(f"/mod/posts/{post.id}/flag").status_code == 200
    response = auth.post(f"/mod/posts/{post.id}/flag", {"reason": "spam", "text": ""})
    assert response.status_code == 302
    assert db.session.scalar(select(Flag.reason).where(Flag.post_id == post.id)) == "spam"
    again = auth.post(f"/mod/posts/{post.id}/flag", {"reason": "spam"})
    assert again.status_code == 400 and "already" in again.get_data(as_text=True)


def test_flag_something_else_without_text_keeps_the_form(make_trusted, make_thread, auth, client):
    post = create_post(make_trusted("author2"), make_thread(), "An ordinary answer about batteries.")
    make_trusted("reporter2")
    auth.login("reporter2")
    response = auth.post(f"/mod/posts/{post.id}/flag", {"reason": "other", "text": ""})
    assert response.status_code == 400
    assert "what is wrong" in response.get_data(as_text=True)


def test_flag_queue_shows_flags_and_resolves(make_trusted, make_thread, facilitator, auth, client, db):
    post = create_post(make_trusted("author3"), make_thread(), "Everyone here is clueless.")
    from community.moderation.flags import flag_post
    flag_post(make_trusted("reporter3"), post, "other", "Insults the whole community")
    auth.login("fran")
    page = client.get("/mod/flags").get_data(as_text=True)
    assert "Insults the whole community" in page and "reporter3" in page
    response = auth.post(f"/mod/posts/{post.id}/flags/resolve", {"decision": "agree", "reason": "Be kind."})
    assert response.status_code == 302
    assert db.session.get(Post, post.id).state == "hidden"


def test_thread_tools_page_and_move(discussion, facilitator, make_category, auth, client, db):
    thread, _, _ = discussion
    target = make_category("Troubleshooting")
    auth.login("fran")
    page = client.get(f"/mod/threads/{thread.id}").get_data(as_text=True)
    assert "Troubleshooting" in page and not INLINE.search(page)
    response = auth.post(f"/mod/threads/{thread.id}/move", {"category": target.id, "reason": "Better place."})
    assert response.status_code == 302
    assert thread.category_id == target.id


def test_thread_tool_errors_are_shown_on_the_page(discussion, facilitator, auth):
    thread, _, _ = discussion
    auth.login("fran")
    response = auth.post(f"/mod/threads/{thread.id}/merge", {"target": "999999", "reason": "Dupe."})
    assert response.status_code == 400
    assert "No thread with that number" in response.get_data(as_text=True)


def test_split_through_the_page(discussion, facilitator, auth, db):
    thread, first, second = discussion
    auth.login("fran")
    response = auth.post(f"/mod/threads/{thread.id}/split", {
        "posts": [str(second.id)], "title": "Jams after cleaning", "category": thread.category_id,
        "reason": "A follow-up question deserves its own thread."})
    assert response.status_code == 302
    assert db.session.get(Post, second.id).thread_id != thread.id


def test_lock_and_slow_mode_through_the_page(discussion, facilitator, auth):
    thread, _, _ = discussion
    auth.login("fran")
    assert auth.post(f"/mod/threads/{thread.id}/lock", {"value": "on", "reason": "Answered."}).status_code == 302
    assert thread.locked
    assert auth.post(f"/mod/threads/{thread.id}/slow-mode", {"seconds": "300", "reason": "Heated."}).status_code == 302
    assert thread.slow_mode_seconds == 300
    assert auth.post(f"/mod/threads/{thread.id}/close", {"when": "24", "reason": "Event over."}).status_code == 302
    assert thread.closes_at is not None


def test_member_page_silences_and_admin_suspends(make_member, facilitator, admin, auth, client):
    target = make_member("noisy")
    auth.login("fran")
    page = client.get("/mod/members/noisy").get_data(as_text=True)
    assert "Silence" in page and "Suspend account" not in page
    assert auth.post("/mod/members/noisy/silence", {"hours": "24", "reason": "Cool off."}).status_code == 302
    assert target.is_silenced()
    assert auth.post("/mod/members/noisy/suspend", {"reason": "Spam."}).status_code == 403
    auth.logout()
    auth.login("ada")
    assert auth.post("/mod/members/noisy/suspend", {"reason": "Spam after warnings."}).status_code == 302
    assert not target.is_active


def test_audit_log_filters_by_action_and_member(make_trusted, make_thread, facilitator, product_manager, auth, client):
    one = create_post(make_trusted("first_author"), make_thread(), "A first answer about ink.")
    two = create_post(make_trusted("second_author"), make_thread(), "A second answer about paper.")
    hide_post(facilitator, one, "Reason one: off-topic.")
    hide_post(facilitator, two, "Reason two: duplicate.")
    auth.login("pat")
    page = client.get("/mod/audit?member=first_author").get_data(as_text=True)
    assert "Reason one" in page and "Reason two" not in page
    page = client.get("/mod/audit?action=hide_post&actor=fran").get_data(as_text=True)
    assert "Reason one" in page and "Reason two" in page
    assert "Reason one" not in client.get("/mod/audit?actor=nobody").get_data(as_text=True)
    assert "Reason one" not in client.get("/mod/audit?since=2999-01-01").get_data(as_text=True)


def test_audit_log_paginates(make_member, facilitator, auth, client, app):
    from community.moderation.members import silence_member, unsilence_member
    target = make_member("cycler")
    for _ in range(26):
        silence_member(facilitator, target, 1, "Cycle.")
        unsilence_member(facilitator, target, "Cycle.")
    auth.login("fran")
    first = client.get("/mod/audit").get_data(as_text=True)
    assert "52 entries" in first
    assert "page=2" in first
    assert client.get("/mod/audit?page=2").status_code == 200


def test_post_actions_partial_offers_flag_to_members_and_tools_to_moderators(discussion, app, make_trusted,
                                                                              facilitator):
    from flask import render_template_string
    from flask_login import login_user

    thread, first, _ = discussion
    member = make_trusted("viewer")
    template = '{% include "moderation/_post_actions.html" %}'
    with app.test_request_context(f"/t/{thread.id}"):
        login_user(member)
        as_member = render_template_string(template, post=first, thread=thread)
    with app.test_request_context(f"/t/{thread.id}"):
        login_user(facilitator)
        as_staff = render_template_string(template, post=first, thread=thread)
    assert "Flag…" in as_member and "Moderate…" not in as_member
    assert "Moderate…" in as_staff and "Hide post" in as_staff
    assert not INLINE.search(as_member + as_staff)


def test_audit_log_explains_a_malformed_date(facilitator, auth, client):
    auth.login("fran")
    response = client.get("/mod/audit?since=last+tuesday")
    assert response.status_code == 200
    assert "Use a date like" in response.get_data(as_text=True)


def test_moderation_forms_need_the_csrf_token(held, facilitator, auth, client, db):
    auth.login("fran")
    response = client.post(f"/mod/posts/{held.id}/approve", data={})
    assert response.status_code == 400
    assert db.session.get(Post, held.id).state == "held"


def test_thread_page_offers_flagging_and_moderation(discussion, make_trusted, facilitator, auth, client):
    thread, first, _ = discussion
    make_trusted("pagereader")
    auth.login("pagereader")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f"/mod/posts/{first.id}/flag" in page and "Moderate…" not in page
    auth.logout()
    auth.login("fran")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f"/mod/posts/{first.id}/hide" in page and "Thread tools" in page


def test_author_of_hidden_post_can_ask_for_review_from_the_thread(make_trusted, make_thread, facilitator, auth,
                                                                   client, db):
    author = make_trusted("hiddenauthor")
    post = create_post(author, make_thread(), "My unpopular but honest opinion on the lid.")
    hide_post(facilitator, post, "Checking a claim in it.")
    auth.login("hiddenauthor")
    page = client.get(f"/t/{post.thread_id}").get_data(as_text=True)
    assert "Ask for another look" in page and "Checking a claim in it." in page
    response = auth.post(f"/mod/posts/{post.id}/review", {"next": f"/t/{post.thread_id}"})
    assert response.status_code == 302
    assert db.session.get(Post, post.id).state == "held"
