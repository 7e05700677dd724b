"""Forum actions: threads, replies, edits with revisions, soft deletes, likes."""
import pytest

from community.errors import Invalid, NotAllowed
from community.forum import actions
from community.forum.models import PostRevision


def test_thread_opens_with_a_post_and_counts(make_thread, member):
    thread = make_thread(author=member, title="Battery drains overnight", body="It loses **half** its charge.")
    assert thread.reply_count == 0
    assert thread.category.thread_count == 1
    assert member.thread_count == 1


def test_reply_renders_markdown_and_links_mentions(make_thread, make_member):
    bob = make_member("bob")
    thread = make_thread()
    post = actions.create_post(bob, thread, "Same here, @maria? <script>alert(1)</script> @nobody")
    assert "<script" not in post.body_html
    assert "@nobody" in post.body_html and "/u/nobody" not in post.body_html
    assert thread.reply_count == 1 and post.number == 2


def test_edit_keeps_previous_text_as_revision(make_thread, db):
    thread = make_thread(body="first words")
    post = thread_posts(db, thread)[0]
    actions.edit_post(thread.author, post, "second words")
    revisions = db.session.query(PostRevision).filter_by(post_id=post.id).all()
    assert [r.body_source for r in revisions] == ["first words"]
    assert post.body_source == "second words" and post.edited_at is not None


def test_member_cannot_edit_someone_elses_post(make_thread, make_member, db):
    thread = make_thread()
    post = thread_posts(db, thread)[0]
    with pytest.raises(NotAllowed):
        actions.edit_post(make_member(), post, "hijacked")


def test_empty_reply_is_refused(make_thread, make_member):
    with pytest.raises(Invalid):
        actions.create_post(make_member(), make_thread(), "   ")


def test_like_toggles(make_thread, make_member, db):
    thread = make_thread()
    post = thread_posts(db, thread)[0]
    fan = make_member()
    assert actions.toggle_like(fan, post) is True
    db.session.refresh(post)
    assert post.like_count == 1
    assert actions.toggle_like(fan, post) is False
    db.session.refresh(post)
    assert post.like_count == 0


def thread_posts(db, thread):
    from community.forum.models import Post
    return db.session.query(Post).filter_by(thread_id=thread.id).order_by(Post.number).all()
