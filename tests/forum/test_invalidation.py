"""The invalidation table: which writes change stored pages (a new version) and which leave them alone."""
import pytest
from sqlalchemy import select

from community.auth.actions import change_role
from community.extensions import db as _db
from community.forum import actions, invalidation
from community.forum.invalidation import listing_version
from community.forum.models import Post, Thread
from community.hosting.models import FloorMark
from community.moderation.actions import hide_post
from community.moderation.threads import move_thread
from community.notifications.actions import notify


@pytest.fixture
def thread(make_thread, member, make_category):
    return make_thread(author=member, category=make_category("Product Q&A"), title="Kettle keeps beeping",
                       body="The kettle beeps at night.")


@pytest.fixture
def reply(thread, make_member):
    return actions.create_post(make_member("helper"), thread, "Have you tried the quiet mode?")


def _versions(thread):
    _db.session.expire_all()
    with _db.engine.connect() as conn:
        return _db.session.scalar(select(Thread.version).where(Thread.id == thread.id)), listing_version(conn)


def test_every_table_is_either_in_the_invalidation_table_or_quiet():
    """A new table must be classified: changes no stored page, or says which pages it changes."""
    mapped = {mapper.class_ for mapper in _db.Model.registry.mappers}
    unclassified = {model.__name__ for model in mapped - set(invalidation.INVALIDATES) - invalidation.QUIET}
    assert unclassified == set()
    assert not set(invalidation.INVALIDATES) & invalidation.QUIET


def test_a_notification_a_follow_a_view_and_a_floor_mark_leave_stored_pages_alone(client, thread, reply,
                                                                                  make_member, facilitator):
    before = _versions(thread)
    reader = make_member("reader")
    notify(reader.id, "reply", "helper replied", url=f"/t/{thread.id}", thread_id=thread.id, post_id=reply.id)
    actions.set_following(reader, thread, True)
    assert client.get(f"/t/{thread.id}").status_code == 200  # a view
    _db.session.add(FloorMark(kind="mood", thread_id=thread.id, last_post_id=reply.id, handled_by_id=facilitator.id))
    _db.session.commit()
    assert _versions(thread) == before


def test_a_reply_changes_the_thread_page_and_the_listings(thread, make_member):
    version, listing = _versions(thread)
    actions.create_post(make_member("another"), thread, "Mine does the same, every night.")
    assert _versions(thread) > (version, listing)
    new_version, new_listing = _versions(thread)
    assert new_version > version and new_listing > listing


def test_an_edit_changes_the_thread_page(thread, reply):
    version, _listing = _versions(thread)
    actions.edit_post(reply.author, reply, "Have you tried the quiet mode in the app's settings?")
    assert _versions(thread)[0] > version


def test_a_like_changes_the_thread_page(thread, reply, member):
    version, _listing = _versions(thread)
    actions.toggle_like(member, reply)
    assert _versions(thread)[0] > version


def test_moving_a_thread_changes_its_page_and_the_listings(thread, facilitator, make_category):
    version, listing = _versions(thread)
    move_thread(facilitator, thread, make_category("Off-topic"), "Not about the product.")
    new_version, new_listing = _versions(thread)
    assert new_version > version and new_listing > listing


def test_splitting_posts_off_changes_the_page_they_left(thread, reply, facilitator):
    from community.moderation.threads import split_posts

    version, _listing = _versions(thread)
    split_posts(facilitator, thread, [reply.id], "Quiet mode", "A topic of its own.")
    assert _versions(thread)[0] > version


def test_hiding_a_post_changes_the_thread_page_and_the_listings(thread, reply, facilitator):
    version, listing = _versions(thread)
    hide_post(facilitator, reply, "Off topic.")
    new_version, new_listing = _versions(thread)
    assert new_version > version and new_listing > listing


def test_a_role_change_changes_every_page_the_member_wrote_on(thread, reply, admin, make_thread):
    elsewhere = make_thread(title="Nothing by the helper here")
    version, listing = _versions(thread)
    untouched, _ = _versions(elsewhere)
    change_role(admin, reply.author, "facilitator", reason="Joined the team.")
    new_version, new_listing = _versions(thread)
    assert new_version > version and new_listing > listing  # the staff badge now shows beside their post
    assert _versions(elsewhere)[0] == untouched


def test_a_body_edit_leaves_listings_alone(thread, reply):
    _version, listing = _versions(thread)
    actions.edit_post(reply.author, reply, "Quiet mode is under Settings, then Sounds.")
    assert _versions(thread)[1] == listing


def test_a_rolled_back_write_changes_nothing(thread, make_member):
    before = _versions(thread)
    post = _db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    post.body_html = "<p>never committed</p>"
    _db.session.flush()
    _db.session.rollback()
    assert _versions(thread) == before


def test_a_settings_change_renews_every_thread_page(thread, make_thread, admin):
    from community.settings import update_setting

    other = make_thread(title="Another thread")
    before = (_versions(thread)[0], _versions(other)[0])
    update_setting(admin, "spotlight_max_staff_share", 0.3, reason="A quieter brand.")
    assert _versions(thread)[0] > before[0] and _versions(other)[0] > before[1]
