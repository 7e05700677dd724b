"""The search outbox: every flush that changes searchable forum data adds outbox rows in the same transaction."""
from sqlalchemy import event, inspect, insert
from sqlalchemy.orm import Session

from ..database import utcnow
from ..forum.models import Category, Post, Thread
from .models import OutboxEntry

# Only these attributes change what search shows; counters such as views or reply_count do not.
POST_FIELDS = ("body_html", "state", "deleted_at", "like_count", "thread_id", "author_id", "number")
THREAD_FIELDS = ("title", "category_id", "deleted_at", "redirect_to_id", "is_feature_request", "request_status",
                 "vote_count", "author_id", "tags", "created_at")
CATEGORY_FIELDS = ("slug", "staff_only")
WATCHED = ((Post, "post", POST_FIELDS), (Thread, "thread", THREAD_FIELDS), (Category, "category", CATEGORY_FIELDS))


def _changed(obj, fields):
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def outbox_rows(session):
    """(kind, id) pairs for the searchable objects this flush creates, changes or removes."""
    rows = []
    for obj in list(session.new) + list(session.deleted):
        for model, kind, _ in WATCHED:
            if isinstance(obj, model) and obj.id is not None:
                rows.append((kind, obj.id))
    for obj in session.dirty:
        for model, kind, fields in WATCHED:
            if isinstance(obj, model) and obj.id is not None and _changed(obj, fields):
                rows.append((kind, obj.id))
    return list(dict.fromkeys(rows))


def _after_flush(session, flush_context):
    rows = outbox_rows(session)
    if rows:
        # Written on the flush's own connection, so the rows commit or roll back with the change itself.
        now = utcnow()
        session.info["search_outbox_written"] = True
        session.connection().execute(
            insert(OutboxEntry), [{"kind": kind, "object_id": oid, "created_at": now} for kind, oid in rows]
        )


def _after_commit(session):
    if session.info.pop("search_outbox_written", False):
        from .indexer import wake_indexers

        wake_indexers()


def _after_rollback(session, previous_transaction):
    session.info.pop("search_outbox_written", None)


def register_outbox_listener():
    """Listen on every ORM session (idempotent: create_app may run many times in one process)."""
    for name, fn in (("after_flush", _after_flush), ("after_commit", _after_commit),
                     ("after_soft_rollback", _after_rollback)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
