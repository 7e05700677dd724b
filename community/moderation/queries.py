"""Reads for moderation pages: the review queue, open flags, the audit log and a member's own history."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, lazyload, selectinload

from ..auth.models import User
from ..extensions import db
from ..forum.models import Post, Thread
from .models import AuditEntry, Flag

# What each audit action reads as, for staff filters and for members' own history.
ACTION_LABELS = {
    "approve_post": "Post approved",
    "reject_post": "Post not published",
    "hide_post": "Post hidden",
    "unhide_post": "Post shown again",
    "community_hide": "Post hidden by community flags",
    "request_review": "Review requested",
    "resolve_flags": "Flags reviewed",
    "delete_post": "Post deleted",
    "restore_post": "Post restored",
    "move_thread": "Thread moved",
    "merge_threads": "Threads merged",
    "split_thread": "Replies split into a new thread",
    "lock_thread": "Thread locked",
    "unlock_thread": "Thread unlocked",
    "pin_thread": "Thread pinned",
    "unpin_thread": "Thread unpinned",
    "close_thread": "Thread close timer set",
    "reopen_thread": "Thread reopened",
    "slow_mode": "Slow mode changed",
    "silence_member": "Member silenced",
    "unsilence_member": "Silence lifted",
    "suspend_member": "Account suspended",
    "unsuspend_member": "Suspension lifted",
    "change_role": "Role changed",
    "update_setting": "Setting changed",
    "retry_delivery": "Failed delivery retried",
    "dismiss_delivery": "Failed delivery dismissed",
    "create_room": "Chat room created",
    "approve_room": "Chat room proposal approved",
    "decline_room": "Chat room proposal declined",
    "rename_room": "Chat room renamed",
    "lock_room": "Chat room locked",
    "unlock_room": "Chat room unlocked",
    "slow_mode_room": "Chat room slow mode changed",
    "archive_room": "Chat room archived",
    "mute_in_room": "Muted in a chat room",
    "unmute_in_room": "Unmuted in a chat room",
    "delete_chat_message": "Chat message deleted",
    "mark_feature_request": "Marked as a feature request",
    "unmark_feature_request": "No longer a feature request",
    "merge_request": "Feature requests merged",
    "add_member_note": "Member note added",
    "introduce_members": "Members introduced",
    "welcome_member": "Member welcomed",
    "mark_mood_handled": "Heated thread handled",
    "promo_override": "Sent despite the no-hard-sell check",
    "spotlight_override": "Posted despite the spotlight meter",
}
# Staff working notes: never shown in a member's own history even if they name the member.
STAFF_PRIVATE_ACTIONS = frozenset({"add_member_note", "introduce_members", "welcome_member", "mark_mood_handled",
                                   "promo_override", "spotlight_override", "update_setting"})


def _light_author():
    return selectinload(Post.author).options(lazyload(User.interests))


def held_posts(page=1, per_page=30):
    """Posts waiting for review, oldest first, with their thread and author."""
    stmt = (select(Post).where(Post.state == "held", Post.deleted_at.is_(None))
            .options(_light_author(), selectinload(Post.thread)).order_by(Post.created_at, Post.id))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def held_count():
    return db.session.scalar(select(func.count(Post.id)).where(Post.state == "held", Post.deleted_at.is_(None)))


@dataclass
class FlaggedPost:
    post: Post
    flags: list


def flagged_posts(limit=100):
    """Posts with open flags, most flagged first, each with its open flags and who raised them."""
    rows = db.session.execute(
        select(Flag.post_id, func.count(Flag.id).label("n"), func.min(Flag.created_at).label("first"))
        .where(Flag.resolved_at.is_(None)).group_by(Flag.post_id)
        .order_by(func.count(Flag.id).desc(), func.min(Flag.created_at)).limit(limit)
    ).all()
    ids = [row.post_id for row in rows]
    if not ids:
        return []
    posts = {p.id: p for p in db.session.scalars(
        select(Post).where(Post.id.in_(ids)).options(_light_author(), selectinload(Post.thread)))}
    flags = db.session.scalars(
        select(Flag).where(Flag.post_id.in_(ids), Flag.resolved_at.is_(None))
        .options(selectinload(Flag.user).options(lazyload(User.interests))).order_by(Flag.created_at)).all()
    by_post = {}
    for flag in flags:
        by_post.setdefault(flag.post_id, []).append(flag)
    return [FlaggedPost(posts[i], by_post.get(i, [])) for i in ids if i in posts]


def open_flags_for(post):
    return db.session.scalars(
        select(Flag).where(Flag.post_id == post.id, Flag.resolved_at.is_(None)).order_by(Flag.created_at)).all()


def open_flag_count():
    return db.session.scalar(select(func.count(func.distinct(Flag.post_id))).where(Flag.resolved_at.is_(None)))


def parse_date(value):
    try:
        return datetime.strptime((value or "").strip(), "%Y-%m-%d")
    except ValueError:
        return None


def audit_entries(actor=None, action=None, member=None, since=None, until=None, page=1, per_page=50):
    """The audit log, newest first, filtered by actor username, action, member username and dates."""
    actor_user, subject_user = aliased(User), aliased(User)
    stmt = select(AuditEntry).options(
        selectinload(AuditEntry.actor).options(lazyload(User.interests)),
        selectinload(AuditEntry.subject_user).options(lazyload(User.interests)),
    )
    if actor:
        stmt = stmt.join(actor_user, AuditEntry.actor_id == actor_user.id).where(
            actor_user.username_lower == actor.strip().lower())
    if member:
        stmt = stmt.join(subject_user, AuditEntry.subject_user_id == subject_user.id).where(
            subject_user.username_lower == member.strip().lower())
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    start, end = parse_date(since), parse_date(until)
    if start is not None:
        stmt = stmt.where(AuditEntry.created_at >= start)
    if end is not None:
        stmt = stmt.where(AuditEntry.created_at < end + timedelta(days=1))
    stmt = stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def audit_actions():
    """Action names present in the log, for the filter menu."""
    stored = set(db.session.scalars(select(AuditEntry.action).distinct()))
    return sorted(stored | set(ACTION_LABELS), key=lambda a: ACTION_LABELS.get(a, a))


@dataclass
class HistoryItem:
    """One moderation of a member's content as they see it: what, when, why and where (no staff names)."""

    label: str
    reason: str
    created_at: datetime
    target_type: str
    target_id: int
    thread: Thread = None
    post: Post = None


def member_history(user, page=1, per_page=30):
    """Moderation touching a member's own content or account, newest first."""
    stmt = (select(AuditEntry).where(AuditEntry.subject_user_id == user.id,
                                     AuditEntry.action.not_in(STAFF_PRIVATE_ACTIONS))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()))
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    post_ids = [e.target_id for e in pagination.items if e.target_type == "post" and e.target_id]
    thread_ids = [e.target_id for e in pagination.items if e.target_type == "thread" and e.target_id]
    posts = {p.id: p for p in db.session.scalars(
        select(Post).where(Post.id.in_(post_ids)).options(selectinload(Post.thread)))} if post_ids else {}
    threads = {t.id: t for t in db.session.scalars(select(Thread).where(Thread.id.in_(thread_ids)))} \
        if thread_ids else {}
    items = []
    for entry in pagination.items:
        post = posts.get(entry.target_id) if entry.target_type == "post" else None
        thread = post.thread if post is not None else threads.get(entry.target_id)
        items.append(HistoryItem(ACTION_LABELS.get(entry.action, entry.action.replace("_", " ").capitalize()),
                                 entry.reason, entry.created_at, entry.target_type, entry.target_id,
                                 thread=thread, post=post))
    return pagination, items
