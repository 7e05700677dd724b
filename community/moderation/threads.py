"""Gentle actions on threads: move, lock, pin, close on a timer, slow mode, merge and split."""
from datetime import timedelta

from sqlalchemy import func, select

from .. import permissions, signals
from ..database import commit, utcnow
from ..errors import Invalid
from ..extensions import db
from ..forum.actions import _check_title as check_title
from ..forum.actions import refresh_thread_counters, slugify
from ..forum.models import Post, Thread, ThreadFollow
from ..i18n import format_duration, format_moment, in_duration
from ..posting.policy import check_text
from .audit import record_audit
from .common import check_reason, recount_category, recount_member, tell, thread_path

MAX_CLOSE_HOURS = 24 * 365
SLOW_MODE_MAX_SECONDS = 24 * 3600


def _require_moderator(actor, thread):
    permissions.require(permissions.can_moderate(actor), "Only facilitators moderate threads.")
    if thread.deleted_at is not None:
        raise Invalid("This thread was deleted; restore it first.")
    if thread.redirect_to_id is not None:
        raise Invalid("This thread was merged into another; moderate that one instead.")


def _finish(actor, thread, action, reason, before, after, message):
    """Audit, tell the thread's author why, announce the change and commit."""
    record_audit(actor, action, "thread", thread.id, reason=reason, subject_user=thread.author,
                 before=before, after=after)
    tell(thread.author_id, f"{message} Reason: {reason}", thread_path(thread), actor=actor, thread_id=thread.id)
    db.session.flush()
    signals.send_after_commit(signals.thread_changed, thread=thread, change=action, actor=actor)
    commit()
    return thread


def move_thread(actor, thread, category, reason):
    """Move a thread to a better category; its address stays the same, so old links keep working."""
    _require_moderator(actor, thread)
    reason = check_reason(reason, "moving this thread")
    if category.id == thread.category_id:
        raise Invalid("The thread is in that category already.", field="category")
    old = thread.category
    thread.category_id, thread.category = category.id, category
    db.session.flush()
    recount_category(old)
    recount_category(category)
    return _finish(actor, thread, "move_thread", reason, {"category": old.slug}, {"category": category.slug},
                   f"Your thread “{thread.title}” moved from {old.name} to {category.name}.")


def set_locked(actor, thread, locked, reason):
    """Lock a thread (no more replies) or unlock it."""
    _require_moderator(actor, thread)
    reason = check_reason(reason, "locking" if locked else "unlocking")
    if bool(thread.locked) == bool(locked):
        raise Invalid("The thread is locked already." if locked else "The thread is not locked.")
    before = {"locked": thread.locked}
    thread.locked = bool(locked)
    word = "locked: it takes no more replies" if locked else "unlocked: replies are open again"
    return _finish(actor, thread, "lock_thread" if locked else "unlock_thread", reason, before,
                   {"locked": thread.locked}, f"Your thread “{thread.title}” was {word}.")


def set_pinned(actor, thread, pinned, reason):
    """Pin a thread to the top of its listings, or unpin it."""
    _require_moderator(actor, thread)
    reason = check_reason(reason, "pinning" if pinned else "unpinning")
    if bool(thread.pinned) == bool(pinned):
        raise Invalid("The thread is pinned already." if pinned else "The thread is not pinned.")
    before = {"pinned": thread.pinned}
    thread.pinned = bool(pinned)
    return _finish(actor, thread, "pin_thread" if pinned else "unpin_thread", reason, before,
                   {"pinned": thread.pinned},
                   f"Your thread “{thread.title}” was {'pinned' if pinned else 'unpinned'}.")


def set_close_timer(actor, thread, hours, reason):
    """Close a thread after `hours` (0 closes now); None removes the timer and reopens it."""
    _require_moderator(actor, thread)
    reason = check_reason(reason, "closing" if hours is not None else "reopening")
    before = {"closes_at": thread.closes_at.isoformat() if thread.closes_at else None}
    if hours is None:
        if thread.closes_at is None:
            raise Invalid("This thread has no close timer.")
        thread.closes_at = None
        message = f"Your thread “{thread.title}” is open for replies again."
    else:
        if not 0 <= hours <= MAX_CLOSE_HOURS:
            raise Invalid("Choose between 0 hours (now) and a year.", field="hours")
        thread.closes_at = utcnow() + timedelta(hours=hours)
        message = (f"Your thread “{thread.title}” was closed." if hours == 0 else
                   f"Your thread “{thread.title}” will close for replies {in_duration(timedelta(hours=hours))}, "
                   f"on {format_moment(thread.closes_at)}.")
    after = {"closes_at": thread.closes_at.isoformat() if thread.closes_at else None}
    return _finish(actor, thread, "close_thread" if hours is not None else "reopen_thread", reason, before,
                   after, message)


def set_slow_mode(actor, thread, seconds, reason):
    """One post per member per `seconds` in this thread (0 turns slow mode off)."""
    _require_moderator(actor, thread)
    reason = check_reason(reason, "changing slow mode")
    if not 0 <= seconds <= SLOW_MODE_MAX_SECONDS:
        raise Invalid("Slow mode is between off and one post a day.", field="seconds")
    if seconds == thread.slow_mode_seconds:
        raise Invalid("Slow mode is set to that already.", field="seconds")
    before = {"slow_mode_seconds": thread.slow_mode_seconds}
    thread.slow_mode_seconds = seconds
    message = (f"Slow mode is off in your thread “{thread.title}”." if not seconds else
               f"Your thread “{thread.title}” is in slow mode: one post per member every {format_duration(seconds)}.")
    return _finish(actor, thread, "slow_mode", reason, before, {"slow_mode_seconds": seconds}, message)


def merge_threads(actor, source, target, reason):
    """Append every post of `source` to `target` in order; `source` then points to `target`."""
    _require_moderator(actor, source)
    _require_moderator(actor, target)
    reason = check_reason(reason, "merging these threads")
    if source.id == target.id:
        raise Invalid("Choose a different thread to merge into.", field="target")
    if not permissions.can_view_thread(actor, target):
        raise Invalid("That thread can't be found.", field="target")
    if source.is_feature_request:
        # Votes live on the request; the feature-request merge combines them, this one would strand them.
        raise Invalid("This thread is a feature request: merge it from its request page so the votes combine.",
                      field="target")
    db.session.execute(select(Thread.id).where(Thread.id.in_([source.id, target.id])).with_for_update())
    offset = db.session.scalar(select(func.max(Post.number)).where(Post.thread_id == target.id)) or 0
    posts = db.session.scalars(select(Post).where(Post.thread_id == source.id).order_by(Post.number)).all()
    authors = {p.author_id: p.author for p in posts}
    for index, post in enumerate(posts, start=1):
        post.thread_id, post.thread, post.number = target.id, target, offset + index
    _move_follows(source, target)
    source.redirect_to_id = target.id
    db.session.flush()
    refresh_thread_counters(source)
    refresh_thread_counters(target)
    recount_category(source.category)
    if target.category_id != source.category_id:
        recount_category(target.category)
    before = {"thread": source.id, "posts": len(posts)}
    after = {"thread": target.id, "numbers": [offset + 1, offset + len(posts)] if posts else []}
    record_audit(actor, "merge_threads", "thread", source.id, reason=reason, subject_user=source.author,
                 before=before, after=after)
    for author_id in authors:
        tell(author_id, f"“{source.title}” was merged into “{target.title}”. Reason: {reason}",
             thread_path(target), actor=actor, thread_id=target.id)
    db.session.flush()
    signals.send_after_commit(signals.thread_changed, thread=source, change="merge_threads", actor=actor,
                              target=target)
    signals.send_after_commit(signals.thread_changed, thread=target, change="merge_threads", actor=actor,
                              source=source)
    commit()
    return target


def _move_follows(source, target):
    """Followers of the merged thread follow the thread it joined."""
    following = set(db.session.scalars(select(ThreadFollow.user_id).where(ThreadFollow.thread_id == target.id)))
    for follow in db.session.scalars(select(ThreadFollow).where(ThreadFollow.thread_id == source.id)).all():
        if follow.user_id not in following:
            db.session.add(ThreadFollow(thread_id=target.id, user_id=follow.user_id))


def split_posts(actor, thread, post_ids, title, reason, category=None):
    """Move selected replies into a new thread of their own, numbered from 1 in their old order."""
    _require_moderator(actor, thread)
    reason = check_reason(reason, "splitting these posts")
    title = check_title(title)
    check_text(actor, {"title": title})
    ids = {int(i) for i in post_ids or ()}
    posts = db.session.scalars(
        select(Post).where(Post.thread_id == thread.id, Post.id.in_(ids)).order_by(Post.number)).all()
    if not posts or len(posts) != len(ids):
        raise Invalid("Choose one or more replies of this thread to split off.", field="posts")
    if any(p.number == 1 for p in posts):
        raise Invalid("The opening post stays with its thread; choose replies only.", field="posts")
    category = category or thread.category
    first = posts[0]
    new = Thread(category_id=category.id, category=category, author_id=first.author_id, title=title,
                 slug=slugify(title), created_at=first.created_at, last_posted_at=first.created_at,
                 last_poster_id=first.author_id)
    db.session.add(new)
    db.session.flush()
    old_numbers = [p.number for p in posts]
    for number, post in enumerate(posts, start=1):
        post.thread_id, post.thread, post.number = new.id, new, number
        if post.reply_to_id is not None and post.reply_to_id not in ids:
            post.reply_to_id = None  # a reply to a post left behind would point across threads
    for author_id in {p.author_id for p in posts}:
        db.session.add(ThreadFollow(thread_id=new.id, user_id=author_id))
    db.session.flush()
    refresh_thread_counters(thread)
    refresh_thread_counters(new)
    recount_category(thread.category)
    if category.id != thread.category_id:
        recount_category(category)
    for author in {p.author for p in posts}:
        recount_member(author)
    record_audit(actor, "split_thread", "thread", thread.id, reason=reason, subject_user=first.author,
                 before={"thread": thread.id, "numbers": old_numbers}, after={"thread": new.id})
    for author_id in {p.author_id for p in posts}:
        tell(author_id, f"Replies from “{thread.title}” now have their own thread, “{new.title}”. "
             f"Reason: {reason}", thread_path(new), actor=actor, thread_id=new.id)
    db.session.flush()
    signals.send_after_commit(signals.thread_changed, thread=thread, change="split_thread", actor=actor)
    signals.send_after_commit(signals.thread_changed, thread=new, change="split_thread", actor=actor)
    commit()
    return new
