"""Reviewing posts: approve or reject held posts, hide and unhide, and the author's request for review."""
from sqlalchemy import select

from .. import permissions, signals
from ..database import commit, utcnow
from ..errors import Invalid
from ..extensions import db
from ..forum.actions import refresh_thread_counters
from .audit import record_audit
from .common import check_reason, post_path, post_snapshot, recount_category, recount_member, tell
from .models import Flag

COMMUNITY_HIDE_REASON = "hidden by community flags pending review"


def _change_state(actor, post, state, state_reason, action, reason):
    """Move a post to a new state, keep every counter true, audit it and queue the after-commit event."""
    before = post_snapshot(post)
    post.state, post.state_reason = state, state_reason
    thread = post.thread
    refresh_thread_counters(thread)
    recount_member(post.author)
    recount_category(thread.category)
    record_audit(actor, action, "post", post.id, reason=reason, subject_user=post.author, before=before,
                 after=post_snapshot(post))
    db.session.flush()
    if not (state == "published" and before["state"] in ("hidden", "rejected")):
        # A post shown again was announced when it first appeared; only first publication is news.
        signals.send_after_commit(signals.post_state_changed, post=post, actor=actor, before=before["state"],
                                  after=state)


def _lock(post):
    """Re-read the post under a row lock so two facilitators deciding at once don't both act."""
    db.session.refresh(post, with_for_update=True)
    return post


def resolve_open_flags(actor, post, resolution):
    """Close every open flag on a post with the staff decision (agreed: hidden, disagreed: kept)."""
    now = utcnow()
    flags = db.session.scalars(select(Flag).where(Flag.post_id == post.id, Flag.resolved_at.is_(None))).all()
    for flag in flags:
        flag.resolved_at, flag.resolved_by_id, flag.resolution = now, actor.id, resolution
    if flags:
        signals.send_after_commit(signals.flags_resolved, post=post, actor=actor, resolution=resolution)
    return flags


def approve_post(actor, post, reason=""):
    """Publish a held post: it takes its place in the thread and the author is told."""
    permissions.require(permissions.can_moderate(actor), "Only facilitators review held posts.")
    _lock(post)
    if post.deleted_at is not None:
        raise Invalid("This post was deleted; restore it before approving it.")
    if post.state != "held":
        raise Invalid("This post is not waiting for review any more.")
    reason = " ".join((reason or "").split())[:500]
    _change_state(actor, post, "published", "", "approve_post", reason)
    tell(post.author_id, f"Your post in “{post.thread.title}” was approved and is now visible to everyone.",
         post_path(post), actor=actor, thread_id=post.thread_id, post_id=post.id)
    commit()
    return post


def reject_post(actor, post, reason):
    """Decline a held post; the author keeps seeing it with the reason, nobody else does."""
    permissions.require(permissions.can_moderate(actor), "Only facilitators review held posts.")
    _lock(post)
    reason = check_reason(reason, "rejecting this post")
    if post.state != "held":
        raise Invalid("Only posts waiting for review can be rejected; hide a published post instead.")
    _change_state(actor, post, "rejected", reason, "reject_post", reason)
    tell(post.author_id, f"Your post in “{post.thread.title}” was not published: {reason}",
         post_path(post), actor=actor, thread_id=post.thread_id, post_id=post.id)
    commit()
    return post


def hide_post(actor, post, reason):
    """Hide a post with a reason its author sees; they may edit it and ask for another look."""
    permissions.require(permissions.can_moderate(actor), "Only facilitators hide posts.")
    _lock(post)
    reason = check_reason(reason, "hiding this post")
    if post.deleted_at is not None:
        raise Invalid("This post was deleted already.")
    if post.state == "hidden":
        raise Invalid("This post is hidden already.")
    _change_state(actor, post, "hidden", reason, "hide_post", reason)
    resolve_open_flags(actor, post, "agreed")
    tell(post.author_id, f"Your post in “{post.thread.title}” was hidden: {reason} "
         "You can edit it and ask for another look.", post_path(post), actor=actor,
         thread_id=post.thread_id, post_id=post.id)
    commit()
    return post


def unhide_post(actor, post, reason):
    """Show a hidden (or rejected) post again."""
    permissions.require(permissions.can_moderate(actor), "Only facilitators unhide posts.")
    _lock(post)
    reason = check_reason(reason, "showing this post again")
    if post.state not in ("hidden", "rejected"):
        raise Invalid("This post is not hidden.")
    _change_state(actor, post, "published", "", "unhide_post", reason)
    resolve_open_flags(actor, post, "disagreed")
    tell(post.author_id, f"Your post in “{post.thread.title}” is visible again: {reason}", post_path(post),
         actor=actor, thread_id=post.thread_id, post_id=post.id)
    commit()
    return post


def request_review(author, post):
    """The author of a hidden post asks the facilitators to look again: it joins the review queue."""
    permissions.require(permissions.can_request_review(author, post), "Only the author can ask for a review.")
    reason = post.state_reason or "hidden"
    note = f"{reason} — the author asked for another look."
    _change_state(author, post, "held", note[:500], "request_review", "The author asked for another look.")
    commit()
    return post


def hide_by_community(post):
    """Enough trusted members flagged a post: hide it until a facilitator decides."""
    _change_state(None, post, "hidden", COMMUNITY_HIDE_REASON, "community_hide", COMMUNITY_HIDE_REASON)
    tell(post.author_id, f"Your post in “{post.thread.title}” was {COMMUNITY_HIDE_REASON}. "
         "A facilitator will look at it soon.", post_path(post), thread_id=post.thread_id, post_id=post.id)
