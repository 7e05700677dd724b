"""Composer checks on the forum's pages: short replies and selling language are refused with a way to send anyway."""
from community.forum.models import Post
from community.moderation.models import AuditEntry


def test_short_reply_is_refused_then_held_when_sent_anyway(client, auth, db, member, make_thread):
    thread = make_thread()
    auth.login("maria")
    refused = auth.post(f"/t/{thread.id}/reply", {"body": "+1"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Like button" in page and 'name="override"' in page and "+1</textarea>" in page
    sent = auth.post(f"/t/{thread.id}/reply", {"body": "+1", "override": "y"})
    assert sent.status_code == 302
    reply = db.session.query(Post).filter_by(thread_id=thread.id, number=2).one()
    assert reply.state == "held"
    assert "Awaiting review." in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_staff_selling_is_refused_then_sent_and_logged_when_sent_anyway(client, auth, db, facilitator, make_thread):
    thread = make_thread()
    auth.login("fran")
    text = "It's only $19.99 this week — buy now!"
    refused = auth.post(f"/t/{thread.id}/reply", {"body": text})
    assert refused.status_code == 400
    assert "This reads as selling" in refused.get_data(as_text=True)
    assert db.session.query(Post).filter_by(thread_id=thread.id).count() == 1
    sent = auth.post(f"/t/{thread.id}/reply", {"body": text, "override": "1"})
    assert sent.status_code == 302
    assert db.session.query(AuditEntry).filter_by(action="promo_override", target_id=thread.id).count() == 1


def test_staff_new_thread_with_selling_language_writes_nothing_until_sent_anyway(client, auth, db, facilitator,
                                                                                 make_category):
    category = make_category()
    auth.login("fran")
    form = {"category": category.id, "title": "Spring sale starts today", "body": "Use code SPRING20 for 20% off."}
    refused = auth.post("/new", form)
    assert refused.status_code == 400 and "SPRING20" in refused.get_data(as_text=True)
    assert db.session.query(Post).count() == 0
    assert auth.post("/new", {**form, "override": "y"}).status_code == 302
    assert db.session.query(AuditEntry).filter_by(action="promo_override").count() == 1


def test_thread_page_offers_flagging_to_members_and_moderation_to_facilitators(client, auth, member, facilitator,
                                                                                make_thread, make_member):
    thread = make_thread(author=make_member("otto"))
    auth.login("maria")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Flag…" in page and "Moderate…" not in page
    auth.logout()
    auth.login("fran")
    assert "Moderate…" in client.get(f"/t/{thread.id}").get_data(as_text=True)
