"""Helpers every moderation action shares: reasons, telling the member, links, recounting."""
from sqlalchemy import func, select

from ..errors import Invalid
from ..extensions import db
from ..notifications.actions import notify
from ..urls import path_for

REASON_MAX = 500


def check_reason(reason, what="this"):
    """Every gentle action needs a reason the member will read."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid(f"Give a reason for {what}: the member is told why.", field="reason")
    if len(reason) > REASON_MAX:
        raise Invalid(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    return reason


def post_path(post):
    return path_for("forum.thread", thread_id=post.thread_id, _anchor=f"post-{post.number}")


def thread_path(thread):
    return path_for("forum.thread", thread_id=thread.id)


def tell(user_id, text, url, actor=None, thread_id=None, post_id=None):
    """A moderation notice for a member, stored in the caller's transaction and pushed after commit."""
    return notify(user_id, "moderation", text, url, actor=actor, thread_id=thread_id, post_id=post_id,
                  commit_now=False)


def post_snapshot(post):
    return {"state": post.state, "state_reason": post.state_reason, "thread_id": post.thread_id,
            "number": post.number}


def recount_member(user):
    """A member's thread and post counters from their published, undeleted posts."""
    from ..forum.models import Post

    visible = (Post.author_id == user.id) & (Post.state == "published") & Post.deleted_at.is_(None)
    user.post_count = db.session.scalar(select(func.count(Post.id)).where(visible))
    user.thread_count = db.session.scalar(select(func.count(Post.id)).where(visible, Post.number == 1))


def recount_category(category):
    """A category's counters from the threads that live in it (not merged away) and their posts."""
    from ..forum.models import Post, Thread

    live = (Thread.category_id == category.id) & Thread.deleted_at.is_(None) & Thread.redirect_to_id.is_(None)
    category.thread_count = db.session.scalar(
        select(func.count(Thread.id)).join(Post, (Post.thread_id == Thread.id) & (Post.number == 1))
        .where(live, Post.state == "published", Post.deleted_at.is_(None)))
    category.post_count = db.session.scalar(
        select(func.count(Post.id)).join(Thread, Thread.id == Post.thread_id)
        .where(live, Post.state == "published", Post.deleted_at.is_(None)))
