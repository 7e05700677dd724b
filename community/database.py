"""Session helpers: commit with after-commit callbacks, timestamps, pagination."""
import sqlite3
from datetime import datetime, timezone

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

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



def column_values(row, skip=frozenset()):
    """A row's column values, to keep beyond its session (and bring back with attach_loaded)."""
    return {attr.key: getattr(row, attr.key) for attr in inspect(type(row)).column_attrs if attr.key not in skip}


def attach_loaded(model, values):
    """A row as if freshly loaded into this session, without a query: the session's own copy if it has one."""
    key = identity_key(model, tuple(values[c.key] for c in inspect(model).primary_key))
    row = db.session.identity_map.get(key)
    if row is None:
        row = inspect(model).class_manager.new_instance()
        for name, value in values.items():
            setattr(row, name, value)
        make_transient_to_detached(row)
        db.session.add(row)
    return row


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
