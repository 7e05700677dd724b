"""Thread view counts gathered in memory and written in one statement every few seconds, not one commit per view."""
import atexit
import logging
import threading
import time
from collections import Counter

from flask import current_app
from sqlalchemy import bindparam, update
from sqlalchemy.exc import OperationalError

from ..extensions import db
from .models import Thread


class ViewCounter:
    """Per-process tally of views; a view counted here reaches the database within flush_seconds."""

    def __init__(self, engine, flush_seconds=5.0, clock=time.monotonic):
        self.engine, self.flush_seconds, self.clock = engine, flush_seconds, clock
        self._pending = Counter()
        self._lock = threading.Lock()
        self._last_flush = clock()

    def add(self, thread_id):
        with self._lock:
            self._pending[thread_id] += 1
            due = self.clock() - self._last_flush >= self.flush_seconds
        if due:
            self.flush()

    def flush(self):
        """Write the tally on a connection of its own, so a page's own transaction is never involved."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._last_flush = self.clock()
        if not pending:
            return
        table = Thread.__table__
        stmt = (update(table).where(table.c.id == bindparam("tid"))
                .values(view_count=table.c.view_count + bindparam("n")))
        try:
            with self.engine.begin() as conn:
                conn.execute(stmt, [{"tid": tid, "n": n} for tid, n in sorted(pending.items())])
        except OperationalError:
            # A busy database: keep the tally for the next flush; a page view must never fail over a count.
            with self._lock:
                self._pending.update(pending)
            logging.getLogger(__name__).warning("view counts for %d threads deferred: database busy", len(pending))


def init_app(app):
    """One counter per app; tests flush every view at once so counts are exact when a page returns."""
    seconds = app.config.get("VIEW_COUNT_FLUSH_SECONDS", 0 if app.testing else 5)
    with app.app_context():
        counter = ViewCounter(db.engine, seconds)
    app.extensions["view_counter"] = counter
    if not app.testing:
        atexit.register(_flush_quietly, counter)


def _flush_quietly(counter):
    try:
        counter.flush()
    except Exception:  # the process is exiting; a few uncounted views are not worth a traceback
        pass


def count_view(thread_id):
    current_app.extensions["view_counter"].add(thread_id)
