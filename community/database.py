"""Session helpers: commit with guarded after-commit callbacks, timestamps, pagination."""
import logging
import sqlite3
import traceback
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from .extensions import db

log = logging.getLogger(__name__)


def utcnow():
    """Naive UTC now: the database stores UTC without zone on every engine."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def after_commit(callback):
    """Run callback once the current transaction commits through commit(); dropped on rollback."""
    db.session.info.setdefault("after_commit", []).append(callback)


def commit():
    """Commit, then run the callbacks queued by after_commit (emits, signals), each guarded by run_guarded."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for callback in db.session.info.pop("after_commit", []):
        run_guarded(callback)


def run_guarded(step, name=None):
    """Run one after-commit step. One that raises is logged with its traceback and kept as a failed job (see
    jobs.actions.record_failed_step); it never reaches the caller, whose write is committed already, and never
    stops the steps after it. Work that must be retried is queued as a job instead of run here."""
    try:
        step()
    except Exception:
        name = name or step_name(step)
        details = traceback.format_exc()
        log.exception("After-commit step %s failed; the committed write stands and the next steps still run", name)
        # A failed statement leaves the session refusing every later one until it is rolled back.
        rollback()
        record = current_app.extensions.get("after_commit_failed")
        if record is not None:
            record(name, details)


def step_name(step):
    """module.qualname of a callback, for logs: community.notifications.receivers.on_post_created."""
    target = getattr(step, "func", step)  # functools.partial
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', repr(target))}"


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
