"""Held posts wait for review; hide and unhide tell the author why; everything lands in the audit log."""
import pytest
from sqlalchemy import select

from community.errors import Invalid, NotAllowed
from community.forum.actions import create_post, edit_post
from community.moderation.actions import approve_post, hide_post, reject_post, request_review, unhide_post
from community.moderation.models import AuditEntry

from .conftest import moderation_notes

TWO_LINKS = "Compare https://a.example.org/one and https://b.example.org/two before buying."


@pytest.fixture
def held(make_member, make_thread):
    author = make_member("linker")
    thread = make_thread()
    post = create_post(author, thread, TWO_LINKS)
    assert post.state == "held"
    return post


def test_approving_a_held_post_publishes_it_and_updates_the_thread(held, facilitator, db):
    thread = held.thread
    approve_post(facilitator, held)
    assert held.state == "published" and held.state_reason == ""
    assert thread.reply_count == 1
    assert thread.last_poster_id == held.author_id
    assert thread.last_posted_at == held.created_at
    assert held.author.post_count == 1
    assert any("approved" in text for text in moderation_notes(held.author))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "approve_post"))
    assert entry.before["state"] == "held" and entry.after["state"] == "published"
    assert entry.subject_user_id == held.author_id


def test_rejecting_needs_a_reason_the_author_then_reads(held, facilitator):
    with pytest.raises(Invalid):
        reject_post(facilitator, held, "   ")
    reject_post(facilitator, held, "Please link to the official manual instead of resellers.")
    assert held.state == "rejected"
    assert held.state_reason == "Please link to the official manual instead of resellers."
    assert any("official manual" in text for text in moderation_notes(held.author))
    assert held.thread.reply_count == 0


def test_rejected_post_is_still_stored_and_visible_to_its_author(held, facilitator, client, auth):
    reject_post(facilitator, held, "Off-topic for this thread.")
    auth.login("linker")
    page = client.get(f"/t/{held.thread_id}").get_data(as_text=True)
    assert "Compare" in page and "Off-topic for this thread." in page


def test_member_cannot_approve_held_posts(held, make_member):
    with pytest.raises(NotAllowed):
        approve_post(make_member("bystander"), held)
    assert held.state == "held"


def test_held_post_is_hidden_from_other_members_until_approved(held, client, auth, make_member, facilitator):
    make_member("reader")
    auth.login("reader")
    assert "Compare https" not in client.get(f"/t/{held.thread_id}").get_data(as_text=True)
    approve_post(facilitator, held)
    assert "a.example.org/one" in client.get(f"/t/{held.thread_id}").get_data(as_text=True)


def test_hiding_a_post_tells_the_author_why_and_updates_counters(make_trusted, make_thread, facilitator, db):
    author = make_trusted("talker")
    thread = make_thread()
    post = create_post(author, thread, "Honestly this company is run by clowns and liars.")
    assert thread.reply_count == 1
    hide_post(facilitator, post, "Personal attacks aren't welcome; say what went wrong instead.")
    assert post.state == "hidden"
    assert thread.reply_count == 0
    assert author.post_count == 0
    assert any("Personal attacks" in text for text in moderation_notes(author))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "hide_post"))
    assert entry.reason.startswith("Personal attacks")


def test_hide_requires_a_reason(make_trusted, make_thread, facilitator):
    post = create_post(make_trusted("quiet"), make_thread(), "A perfectly fine answer about settings.")
    with pytest.raises(Invalid) as refused:
        hide_post(facilitator, post, "")
    assert refused.value.field == "reason"
    assert post.state == "published"


def test_author_of_hidden_post_can_edit_and_ask_for_review(make_trusted, make_thread, facilitator):
    author = make_trusted("reviser")
    post = create_post(author, make_thread(), "Your support team is useless, all of them.")
    hide_post(facilitator, post, "Please keep it about the problem, not the people.")
    edit_post(author, post, "Support took three weeks to answer my ticket about the charger.")
    assert post.state == "held"


def test_author_can_ask_for_review_without_editing(make_trusted, make_thread, facilitator, db):
    author = make_trusted("asker")
    post = create_post(author, make_thread(), "Is it normal that the lid squeaks?")
    hide_post(facilitator, post, "Looks like a duplicate question.")
    request_review(author, post)
    assert post.state == "held"
    assert "asked for another look" in post.state_reason
    approve_post(facilitator, post)
    assert post.state == "published"


def test_only_the_author_can_ask_for_review(make_trusted, make_thread, facilitator, make_member):
    post = create_post(make_trusted("owner"), make_thread(), "Is it normal that the lid squeaks?")
    hide_post(facilitator, post, "Duplicate question.")
    with pytest.raises(NotAllowed):
        request_review(make_member("stranger"), post)
    assert post.state == "hidden"


def test_unhide_shows_the_post_again(make_trusted, make_thread, facilitator):
    author = make_trusted("returning")
    thread = make_thread()
    post = create_post(author, thread, "The new firmware bricked my unit!")
    hide_post(facilitator, post, "Checking this claim with the team.")
    unhide_post(facilitator, post, "Confirmed: the firmware was pulled. Thanks for reporting.")
    assert post.state == "published" and thread.reply_count == 1
    assert any("visible again" in text for text in moderation_notes(author))


def test_showing_a_post_again_does_not_renotify_followers(make_trusted, make_thread, facilitator, db):
    from community.notifications.models import Notification

    starter = make_trusted("starter")
    thread = make_thread(author=starter)
    post = create_post(make_trusted("replier"), thread, "Here is how I fixed the hinge.")
    replies = lambda: db.session.query(Notification).filter_by(user_id=starter.id, kind="reply").count()  # noqa: E731
    assert replies() == 1
    hide_post(facilitator, post, "Checking the instructions are safe.")
    unhide_post(facilitator, post, "Checked: safe.")
    assert replies() == 1


def test_member_history_hides_staff_names_and_private_notes(make_trusted, make_thread, facilitator, auth, client):
    from community.moderation.audit import record_audit
    from community.database import commit

    author = make_trusted("histo")
    post = create_post(author, make_thread(), "Some answer about the kettle.")
    hide_post(facilitator, post, "Duplicate of the pinned answer.")
    record_audit(facilitator, "add_member_note", "member_note", 1, reason="Private: gets heated on Mondays",
                 subject_user=author)
    commit()
    auth.login("histo")
    page = client.get("/mod/my-history").get_data(as_text=True)
    assert "Duplicate of the pinned answer." in page
    assert "heated on Mondays" not in page
    assert "fran" not in page
