"""Telling members what happened: store a notification, then push the bell count live."""
from sqlalchemy import func, select, update

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
