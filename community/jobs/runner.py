"""Running jobs: claim a row under a lease, do the work, and delete the row only when the work has committed."""
import logging
import random
import secrets
import threading
import traceback
from datetime import timedelta

from sqlalchemy import and_, delete, or_, select, update

from ..database import commit, rollback, utcnow
from ..extensions import db
from .models import Job, error_summary
from .queue import PermanentFailure

log = logging.getLogger(__name__)
ERROR_MAX = 20000  # characters of traceback kept on a row
SWEEP_BATCH = 500


def run_job(app, job_id):
    """Run one job in its own app context and database session. Returns False when it was not ours to run
    (done already, not yet due, or held by a live worker), else True whether it succeeded or failed."""
    with app.app_context():
        token = _claim(app, job_id)
        if token is None:
            return False
        job = db.session.get(Job, job_id)
        kind = app.extensions["jobs"].kinds.get(job.kind)
        payload = dict(job.payload)
        description = _describe(kind, payload, job_id, job.kind)
        limit = _max_attempts(app, kind)
        if job.attempts > limit:
            # Started that often and never finished: the worker died each time (killed, out of memory).
            _give_up(job, token, kind, payload, description,
                     f"WorkerLost: the worker stopped while running it {job.attempts - 1} times")
            return True
        try:
            if kind is None or kind.run is None:
                raise PermanentFailure(f"no job kind {job.kind!r} can run in this version of the code")
            kind.run(payload)
            removed = db.session.execute(delete(Job).where(Job.id == job_id, Job.claim_token == token))
            if removed.rowcount != 1:
                # The lease ran out and another worker took the job over: its run decides, ours is undone.
                rollback()
                log.warning("%s outlived its lease of %ss; another worker runs it", description,
                            app.config["JOBS_LEASE_SECONDS"])
                return True
            commit()  # the work's writes and the row's removal, then their after-commit steps (live updates)
        except Exception as error:
            details = traceback.format_exc()
            rollback()
            _record_failure(app, job_id, token, kind, payload, description, error, details)
        return True


def _claim(app, job_id):
    """Take the job if it is due, or if the worker holding it let its lease run out; one claimant wins."""
    now = utcnow()
    token = secrets.token_hex(16)
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, or_(and_(Job.state == "pending", Job.run_after <= now),
                                     and_(Job.state == "running", Job.claimed_until < now)))
        .values(state="running", attempts=Job.attempts + 1, claim_token=token,
                claimed_until=now + timedelta(seconds=app.config["JOBS_LEASE_SECONDS"]))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token if claimed.rowcount == 1 else None


def _max_attempts(app, kind):
    return getattr(kind, "max_attempts", None) or app.config["JOBS_MAX_ATTEMPTS"]


def _describe(kind, payload, job_id, kind_name):
    """The kind's own words for the job ("Invitation mail to ana@example.com"), else its id and kind name."""
    try:
        return kind.describe(payload)
    except Exception:
        return f"Job {job_id} ({kind_name})"


def retry_delay(app, attempts):
    """Seconds before attempt attempts + 1: doubling from JOBS_RETRY_DELAY up to JOBS_RETRY_MAX_DELAY, with up to a
    fifth more at random so jobs that failed together (a mail server outage) do not all come back together."""
    base = min(app.config["JOBS_RETRY_DELAY"] * 2 ** max(attempts - 1, 0), app.config["JOBS_RETRY_MAX_DELAY"])
    return base * random.uniform(1.0, 1.2)


def _record_failure(app, job_id, token, kind, payload, description, error, details):
    """Schedule the next attempt after a back-off, or give up on the last one; logged with the traceback."""
    try:
        job = db.session.get(Job, job_id)
        if job is None or job.claim_token != token:
            log.warning("Job %s failed after its lease ran out; another worker runs it", job_id, exc_info=error)
            return
        limit = _max_attempts(app, kind)
        if isinstance(error, PermanentFailure) or job.attempts >= limit:
            _give_up(job, token, kind, payload, description, details, error=error)
            return
        delay = retry_delay(app, job.attempts)
        run_after = utcnow() + timedelta(seconds=delay)
        _release(job_id, token, state="pending", run_after=run_after, enqueued_at=run_after,
                 last_error=details[-ERROR_MAX:])
        db.session.commit()
        log.warning("%s failed (attempt %d of %d); trying again in %.0fs", description, job.attempts, limit, delay,
                    exc_info=error)
        app.extensions["jobs"].dispatch([(job_id, run_after)])
    except Exception:
        # The row keeps its lease, so the job runs again once the lease ends.
        log.exception("Could not record the failure of job %s", job_id)
        db.session.rollback()


def _release(job_id, token, **values):
    """Update the job only if this worker still holds it."""
    return db.session.execute(update(Job).where(Job.id == job_id, Job.claim_token == token)
                              .values(claimed_until=None, claim_token=None, **values)
                              .execution_options(synchronize_session=False))


def _give_up(job, token, kind, payload, description, details, error=None):
    """Keep the job as failed (the dead letter) with its traceback, tell the area that owns it, and log an error."""
    summary = error_summary(details)
    failed = {"state": "failed", "failed_at": utcnow(), "last_error": details[-ERROR_MAX:]}
    try:
        if kind is not None and kind.on_failed is not None:
            kind.on_failed(payload, summary)
        _release(job.id, token, **failed)
        db.session.commit()
    except Exception:
        log.exception("Could not record the failure of %s where people look for it", description)
        db.session.rollback()
        _release(job.id, token, **failed)
        db.session.commit()
    log.error("%s failed for good after %d attempt(s): %s", description, job.attempts, summary, exc_info=error)


def due_ids(limit=100):
    """Jobs a worker may claim now: due ones waiting, and ones whose worker let the lease run out."""
    now = utcnow()
    return db.session.scalars(
        select(Job.id).where(or_(and_(Job.state == "pending", Job.run_after <= now),
                                 and_(Job.state == "running", Job.claimed_until < now)))
        .order_by(Job.run_after, Job.id).limit(limit)
    ).all()


def run_due(app, limit=None):
    """Run every job due now in this process, oldest first; returns how many ran. The in-process runner uses it,
    and so can tests and operators (`flask jobs run`)."""
    ran = 0
    tried = set()
    while limit is None or ran < limit:
        with app.app_context():
            ids = [job_id for job_id in due_ids() if job_id not in tried]
        if not ids:
            break
        for job_id in ids:
            tried.add(job_id)
            if run_job(app, job_id):
                ran += 1
            if limit is not None and ran >= limit:
                break
    return ran


def sweep(app):
    """Hand the queue again every job it lost: due for JOBS_REQUEUE_AFTER seconds since it was last handed over
    (a Redis restart, a push that failed), or left running by a worker whose lease ran out (kill -9, out of
    memory). Each row is updated before it is pushed, so sweeps running at once push it once."""
    with app.app_context():
        now = utcnow()
        cutoff = now - timedelta(seconds=app.config["JOBS_REQUEUE_AFTER"])
        lost = or_(
            and_(Job.state == "pending", Job.run_after <= now,
                 or_(Job.enqueued_at.is_(None), Job.enqueued_at < cutoff)),
            and_(Job.state == "running", Job.claimed_until < now,
                 or_(Job.enqueued_at.is_(None), Job.enqueued_at < Job.claimed_until, Job.enqueued_at < cutoff)),
        )
        ids = db.session.scalars(select(Job.id).where(lost).order_by(Job.id).limit(SWEEP_BATCH)).all()
        taken = []
        for job_id in ids:
            updated = db.session.execute(update(Job).where(Job.id == job_id, lost).values(enqueued_at=now)
                                         .execution_options(synchronize_session=False))
            if updated.rowcount == 1:
                taken.append(job_id)
        db.session.commit()
        if taken:
            log.info("Handing %d lost job(s) to the queue again", len(taken))
            app.extensions["jobs"].push([(job_id, None) for job_id in taken])
        return len(taken)


class InProcessRunner:
    """With JOBS_IN_PROCESS: runs due jobs in a daemon thread of the web process, woken by each commit that queued
    one and otherwise every JOBS_POLL_SECONDS (for retries, and jobs queued by other processes)."""

    def __init__(self, app):
        self.app = app
        self.interval = app.config["JOBS_POLL_SECONDS"]
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = None

    def start(self):
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._run, name="jobs-runner", daemon=True)
            self.thread.start()

    def stop(self):
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=10)

    def _run(self):
        while not self.stopping.is_set():
            try:
                run_due(self.app)
            except Exception:
                log.exception("The in-process job runner failed; it tries again shortly")
            self.wake.wait(self.interval)
            self.wake.clear()
