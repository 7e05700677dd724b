"""Telling members what happened: store a notification, then push the bell count live."""
from sqlalchemy import func, insert, select, update

from .. import realtime
from ..database import after_commit, commit, utcnow
from ..extensions import db
from .models import KINDS, Notification


def notify(user_id, kind, text, url="", actor=None, thread_id=None, post_id=None, commit_now=True):
    """Store a notification for one member (never for the actor themself) and push it live after commit."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if actor is not None and actor.id == user_id:
        return None
    note = Notification(user_id=user_id, kind=kind, text=text[:300], url=url[:300],
                        actor_id=actor.id if actor is not None else None, thread_id=thread_id, post_id=post_id)
    db.session.add(note)
    db.session.flush()
    after_commit(lambda: _push(user_id, note.id))
    if commit_now:
        commit()
    return note


def notify_many(user_ids, kind, text, url="", actor=None, thread_id=None, post_id=None):
    """Tell many members the same thing in one insert (status changes, replies to followed threads);
    the caller commits. The live push after commit reads every unread count in one query."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    actor_id = actor.id if actor is not None else None
    user_ids = sorted({uid for uid in user_ids if uid != actor_id})
    if not user_ids:
        return 0
    now = utcnow()
    rows = [{"user_id": uid, "kind": kind, "text": text[:300], "url": url[:300], "actor_id": actor_id,
             "thread_id": thread_id, "post_id": post_id, "created_at": now} for uid in user_ids]
    db.session.execute(insert(Notification), rows)
    after_commit(lambda: _push_many(user_ids, kind, text[:300], url[:300], actor))
    return len(user_ids)


# The bell counts up to here and then says "99+": a long unread list must not make every page slower.
BELL_MAX = 99


def bell_label(count):
    """What the bell shows for a member's unread count."""
    return str(count) if count <= BELL_MAX else f"{BELL_MAX}+"


def unread_count(user_id):
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def mark_read(user, notification_ids=None):
    """Mark some (or, with None, all) of a member's notifications read."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(list(notification_ids)))
    db.session.execute(stmt.values(read_at=utcnow()))
    after_commit(lambda: realtime.notification_count(user.id, unread_count(user.id)))
    commit()


def _push(user_id, notification_id):
    note = db.session.get(Notification, notification_id)
    if note is not None:
        realtime.notification(user_id, note, unread_count(user_id))


def _push_many(user_ids, kind, text, url, actor):
    counts = dict(db.session.execute(
        select(Notification.user_id, func.count(Notification.id))
        .where(Notification.user_id.in_(user_ids), Notification.read_at.is_(None))
        .group_by(Notification.user_id)
    ).all())
    # The newest notification of this kind per member, so the bell's toast links to the right one.
    latest = dict(db.session.execute(
        select(Notification.user_id, func.max(Notification.id))
        .where(Notification.user_id.in_(user_ids), Notification.kind == kind)
        .group_by(Notification.user_id)
    ).all())
    actor_name = actor.username if actor is not None else None
    for user_id in user_ids:
        realtime.notification_payload(user_id, {"id": latest.get(user_id), "kind": kind, "text": text, "url": url,
                                                "unread": counts.get(user_id, 0), "actor": actor_name})
