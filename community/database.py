"""Session helpers: commit with after-commit callbacks, timestamps, pagination."""
import sqlite3
from datetime import datetime, timezone

from sqlalchemy import event
from sqlalchemy.engine import Engine

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


def _sqlite_write_ahead_log(dbapi_connection, connection_record):
    # WAL lets page readers carry on while a writer commits, and a commit costs one fsync instead of several.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def use_sqlite_write_ahead_log():
    """Every SQLite connection opened from now on uses write-ahead logging (no effect on PostgreSQL)."""
    if not event.contains(Engine, "connect", _sqlite_write_ahead_log):
        event.listen(Engine, "connect", _sqlite_write_ahead_log)
