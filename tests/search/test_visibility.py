"""Search never shows what the searcher can't see: hidden, deleted, held posts and staff-only categories."""
from community.database import commit
from community.forum.actions import create_post, delete_post, restore_post
from community.search.queries import search


def _thread_ids(results):
    return {t.thread_id for t in results.threads}


def _post_ids(results):
    return {p["post_id"] for t in results.threads for p in t.posts}


def test_member_does_not_find_staff_only_threads_but_staff_do(make_thread, make_category, member, facilitator,
                                                             product_manager, index_now):
    staff_room = make_category("Staff room", staff_only=True)
    secret = make_thread(author=facilitator, category=staff_room, title="Pricing plans for next year",
                         body="Confidential pricing discussion.")
    index_now()

    assert secret.id not in _thread_ids(search(member, "pricing"))
    assert secret.id in _thread_ids(search(product_manager, "pricing"))


def test_deleted_post_disappears_for_members_and_returns_when_restored(make_thread, member, facilitator, index_now):
    thread = make_thread(title="Calendar sync", body="Sync the calendar please.")
    reply = create_post(member, thread, "Outlook calendar sync would be lovely.")
    index_now()
    assert reply.id in _post_ids(search(member, "outlook"))

    delete_post(member, reply)
    index_now()
    assert reply.id not in _post_ids(search(member, "outlook"))
    assert reply.id in _post_ids(search(facilitator, "outlook"))

    restore_post(facilitator, reply)
    index_now()
    assert reply.id in _post_ids(search(member, "outlook"))


def test_hidden_post_is_found_only_by_its_author_and_moderators(make_thread, make_member, member, facilitator,
                                                                db, index_now):
    thread = make_thread(title="Webhooks", body="Webhooks for invoices.")
    reply = create_post(member, thread, "Retry failed webhook deliveries with backoff.")
    reply.state, reply.state_reason = "hidden", "Off-topic"
    commit()
    index_now()
    other = make_member("otto")

    assert reply.id not in _post_ids(search(other, "backoff"))
    assert reply.id in _post_ids(search(member, "backoff"))
    assert reply.id in _post_ids(search(facilitator, "backoff"))


def test_anonymous_visitor_only_finds_published_posts(make_thread, member, db, client, index_now):
    thread = make_thread(title="Keyboard shortcuts", body="Shortcuts for power users.")
    held = create_post(member, thread, "Vim keybindings everywhere please.")
    held.state = "held"
    commit()
    index_now()

    page = client.get("/search?q=keybindings").get_data(as_text=True)
    assert "Vim keybindings" not in page
    assert "0 threads" in page


def test_deleted_thread_is_not_found_by_members(make_thread, member, facilitator, index_now):
    thread = make_thread(author=member, title="Offline mode for mobile", body="Offline mode on the train.")
    delete_post(member, thread_opening(thread))
    index_now()

    assert thread.id not in _thread_ids(search(member, "offline"))
    assert thread.id in _thread_ids(search(facilitator, "offline"))


def thread_opening(thread):
    from community.extensions import db
    from community.forum.models import Post

    return db.session.query(Post).filter_by(thread_id=thread.id, number=1).one()
