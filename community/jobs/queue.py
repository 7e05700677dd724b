"""The job queue: job kinds, jobs added to the caller's transaction, and committed jobs handed to Huey."""
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable, Optional

from flask import current_app
from huey import Huey, MemoryHuey, crontab
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from ..database import utcnow
from ..extensions import db
from .models import Job

log = logging.getLogger(__name__)


class PermanentFailure(Exception):
    """Raised by a job that cannot succeed however often it is tried (a mailbox that does not exist)."""


@dataclass(frozen=True)
class JobKind:
    """What a kind of job does. run(payload) does the work: its database writes commit together with the removal
    of the job's row. describe(payload) names the job for logs and the failed-deliveries page; on_failed(payload,
    error) records a final failure where people look for it (the invitation list)."""

    name: str
    run: Callable[[dict], None]
    describe: Callable[[dict], str]
    on_failed: Optional[Callable[[dict, str], None]] = None
    max_attempts: Optional[int] = None  # None: JOBS_MAX_ATTEMPTS
    retryable: bool = True


# Failures of after-commit steps (live updates, receivers) are kept as rows of this kind so the failed-deliveries
# page shows them; they ran in the web process with objects from its session, so they cannot be run again.
AFTER_COMMIT_STEP = JobKind("after_commit", run=None, describe=lambda payload: f"After-commit step {payload['step']}",
                            retryable=False)


def current_queue():
    return current_app.extensions["jobs"]


def enqueue(kind, payload, about=None, delay=None):
    """Add a job to the current transaction: it exists only if the caller commits, and is handed to the worker
    right after that commit (or after delay seconds)."""
    if kind not in current_queue().kinds:
        raise ValueError(f"unknown job kind {kind!r}")
    now = utcnow()
    job = Job(kind=kind, payload=payload, about=about, state="pending", attempts=0,
              run_after=now + timedelta(seconds=delay) if delay else now, enqueued_at=now, created_at=now)
    db.session.add(job)
    return job


def enqueue_many(kind, items):
    """enqueue() for many jobs of one kind in one statement: items are (payload, about) pairs. Returns their ids.
    A thousand invitations cost one INSERT instead of a thousand ORM objects to track."""
    if kind not in current_queue().kinds:
        raise ValueError(f"unknown job kind {kind!r}")
    if not items:
        return []
    now = utcnow()
    rows = [{"kind": kind, "payload": payload, "about": about, "state": "pending", "attempts": 0, "run_after": now,
             "enqueued_at": now, "created_at": now} for payload, about in items]
    ids = list(db.session.scalars(insert(Job).returning(Job.id, sort_by_parameter_order=True), rows))
    db.session.info.setdefault("jobs_to_dispatch", []).extend((job_id, now) for job_id in ids)
    return ids


# Huey's storages, each with enqueue_many: a thousand messages in one write instead of a thousand round trips.
# Huey's own internals (its connection, queue key and task table) are used here and nowhere else.

class QueueStorage(SqliteStorage):
    """Huey's SQLite storage with write-ahead logging at synchronous=NORMAL: no fsync per message, and no
    corruption on power loss. A message lost that way is harmless, since the job's row is the durable record
    and the sweep hands it to the queue again."""

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn

    def enqueue_many(self, messages):
        with self.db(commit=True) as cursor:
            cursor.executemany("insert into task (queue, data, priority) values (?, ?, 0)",
                               [(self.name, self.to_blob(data)) for data in messages])


class RedisQueueStorage(RedisStorage):
    def enqueue_many(self, messages):
        self.conn.lpush(self.queue_key, *messages)  # consumers pop from the other end: first in, first out


class JobQueue:
    """The app's job kinds, its Huey instance (made on first use) and, with JOBS_IN_PROCESS, its runner thread."""

    def __init__(self, app):
        self.app = app
        self.kinds = {}
        self.in_process = None
        self._huey = self._run_job = None
        self._lock = threading.Lock()
        self.register(AFTER_COMMIT_STEP)

    def register(self, *kinds):
        for kind in kinds:
            self.kinds[kind.name] = kind

    @property
    def huey(self):
        return self._queue()[0]

    def _queue(self):
        """Huey and the task that runs one job, made on first use (a web process that never pushes, in-process
        mode, makes neither)."""
        with self._lock:
            if self._huey is None:
                self._huey, self._run_job = self._make_huey()
            return self._huey, self._run_job

    def _make_huey(self):
        from . import runner

        config = self.app.config
        name = config["JOBS_QUEUE_NAME"]
        if config.get("JOBS_IMMEDIATE"):
            # Tests: a pushed job runs at once, in the process that committed it (Huey's immediate mode).
            huey = MemoryHuey(name, immediate=True, results=False)
        elif self.redis_url:
            huey = Huey(name, storage_class=RedisQueueStorage, url=self.redis_url, results=False)
        else:
            path = config.get("JOBS_QUEUE_PATH") or str(Path(self.app.instance_path) / "jobs-queue.db")
            huey = Huey(name, storage_class=QueueStorage, filename=path, results=False)
        app = self.app

        @huey.task(name="run_job")
        def run_job(job_id):
            runner.run_job(app, job_id)

        @huey.periodic_task(crontab(minute="*"), name="sweep_jobs")
        def sweep_jobs():
            runner.sweep(app)

        return huey, run_job

    @property
    def redis_url(self):
        """The queue's Redis, or None for Huey's SQLite file."""
        return self.app.config.get("JOBS_REDIS_URL") or self.app.config.get("REDIS_URL")

    @property
    def runs_in_process(self):
        return bool(self.app.config.get("JOBS_IN_PROCESS")) and not self.app.config.get("JOBS_IMMEDIATE")

    def dispatch(self, jobs):
        """Hand committed jobs [(id, run_after)] to whoever runs them; a queue that cannot be reached is logged,
        and the sweep hands those jobs over later (their rows are safe)."""
        if not self.runs_in_process:
            self.push(jobs)
        elif self.in_process is not None and self.in_process.thread is not None:
            self.in_process.wake.set()
        else:
            # A command-line run (flask demo load, flask search worker): no runner thread serves this process,
            # so due jobs run here, as they did before there were jobs; later retries wait for a web process.
            from .runner import run_job

            now = utcnow()
            for job_id, run_after in jobs:
                if run_after is None or run_after <= now:
                    run_job(self.app, job_id)

    def push(self, jobs):
        try:
            huey, run_job = self._queue()
            now = utcnow()
            due = []
            for job_id, run_after in jobs:
                delay = (run_after - now).total_seconds() if run_after is not None else 0
                if delay > 0:
                    run_job.schedule((job_id,), delay=delay)
                else:
                    due.append(job_id)
            if huey.immediate or not hasattr(huey.storage, "enqueue_many"):
                for job_id in due:
                    run_job(job_id)
            elif due:
                huey.storage.enqueue_many([huey.serialize_task(run_job.s(job_id)) for job_id in due])
        except Exception:
            log.warning("Could not hand %d job(s) to the queue; their rows wait for the next sweep", len(jobs),
                        exc_info=True)


def _after_flush(session, flush_context):
    # New jobs, and failed ones put back to pending (a retry): both are handed over once the transaction commits.
    jobs = [(obj.id, obj.run_after) for obj in session.new if isinstance(obj, Job) and obj.state == "pending"]
    jobs += [(obj.id, obj.run_after) for obj in session.dirty
             if isinstance(obj, Job) and obj.state == "pending" and inspect(obj).attrs.state.history.has_changes()]
    if jobs:
        session.info.setdefault("jobs_to_dispatch", []).extend(jobs)


def _after_commit(session):
    jobs = session.info.pop("jobs_to_dispatch", None)
    if jobs:
        try:
            current_queue().dispatch(jobs)
        except Exception:
            # Raising here would make a committed write look failed to whoever committed it.
            log.exception("Could not dispatch %d committed job(s); the sweep will", len(jobs))


def _after_soft_rollback(session, previous_transaction):
    if not previous_transaction.nested:
        session.info.pop("jobs_to_dispatch", None)


def register_session_listeners():
    """Listen on every ORM session (idempotent: create_app may run many times in one process)."""
    for name, fn in (("after_flush", _after_flush), ("after_commit", _after_commit),
                     ("after_soft_rollback", _after_soft_rollback)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
