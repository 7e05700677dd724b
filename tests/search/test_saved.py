"""Saved searches: a product manager keeps a query and hears about new posts that match it."""
from sqlalchemy import select

from community.extensions import db
from community.forum.actions import create_post
from community.notifications.models import Notification
from community.search.models import SavedSearch
from community.search.saved import notify_matches


def _notes(user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()


def test_product_manager_saves_a_search_from_the_results_page(product_manager, auth, client):
    auth.login("pat")
    response = auth.post("/search/saved", {"q": "annual billing", "name": "Billing asks"}, follow_redirects=True)

    assert "Saved “Billing asks”" in response.get_data(as_text=True)
    saved = db.session.scalars(select(SavedSearch)).one()
    assert saved.query == "annual billing" and saved.user_id == product_manager.id
    assert "Billing asks" in client.get("/search/saved").get_data(as_text=True)


def test_new_matching_post_notifies_the_saver_after_indexing(make_thread, product_manager, member, auth, index_now):
    thread = make_thread(title="Pricing questions", body="General pricing thread.")
    index_now()
    auth.login("pat")
    auth.post("/search/saved", {"q": "annual billing"})

    post = create_post(member, thread, "Could we get annual billing with a discount?")
    create_post(member, thread, "Unrelated: the logo looks blurry.")
    index_now(on_new_posts=notify_matches)

    notes = _notes(product_manager)
    assert len(notes) == 1
    assert notes[0].kind == "saved_search" and notes[0].post_id == post.id
    assert "annual billing" in notes[0].text


def test_saved_search_does_not_notify_about_posts_the_saver_cannot_see(make_thread, make_category, member,
                                                                       facilitator, auth, index_now):
    auth.login("maria")
    auth.post("/search/saved", {"q": "roadmap"})
    staff_room = make_category("Staff room", staff_only=True)
    make_thread(author=facilitator, category=staff_room, title="Roadmap draft", body="The roadmap for Q3.")

    index_now(on_new_posts=notify_matches)

    assert _notes(member) == []


def test_editing_an_old_post_does_not_notify_again(make_thread, product_manager, member, auth, index_now):
    from community.forum.actions import edit_post

    auth.login("pat")
    auth.post("/search/saved", {"q": "webhooks"})
    thread = make_thread(author=member, title="Webhooks please", body="Webhooks for new orders.")
    index_now(on_new_posts=notify_matches)
    assert len(_notes(product_manager)) == 1

    from community.forum.models import Post
    edit_post(member, db.session.query(Post).filter_by(thread_id=thread.id).one(), "Webhooks for refunds too.")
    index_now(on_new_posts=notify_matches)

    assert len(_notes(product_manager)) == 1


def test_member_deletes_a_saved_search(member, auth, client):
    auth.login("maria")
    auth.post("/search/saved", {"q": "dark mode"})
    saved = db.session.scalars(select(SavedSearch)).one()

    auth.post(f"/search/saved/{saved.id}/delete")

    assert db.session.scalars(select(SavedSearch)).all() == []
