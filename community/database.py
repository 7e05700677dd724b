"""Session helpers: commit with after-commit callbacks, timestamps, pagination."""
from datetime import datetime, timezone

from .extensions import db


def utcnow():
    """Naive UTC now: the database stores UTC without zone on every engine."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def after_commit(callback):
    """Run callback once the current transaction commits through commit(); dropped on rollback."""
    db.session.info.setdefault("after_commit", []).append(callback)


def commit():
    """Commit, then run the callbacks queued by after_commit (notifications, emits, signals)."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    callbacks = db.session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


def rollback():
    """Roll back and forget queued callbacks."""
    db.session.rollback()
    db.session.info.pop("after_commit", None)
