"""Changes to jobs made by people and by the after-commit guard: retry or dismiss a failed job, keep a failed step."""
import logging

from sqlalchemy import select, update

from .. import permissions
from ..database import commit, utcnow
from ..errors import Invalid, NotFound
from ..extensions import db
from ..moderation.audit import record_audit
from .models import Job
from .queue import AFTER_COMMIT_STEP, current_queue

log = logging.getLogger(__name__)
# The actor of retries made at the server's command line (`flask jobs retry`): whoever has a shell there may, and the
# audit log records the community as the actor.
OPERATOR = None


def _require_admin(actor, message):
    if actor is not OPERATOR:
        permissions.require(permissions.can_manage_deliveries(actor), message)


def _failed_job(job_id):
    job = db.session.get(Job, job_id)
    if job is None or job.state != "failed":
        raise NotFound("That failed delivery is not waiting any more: it was retried or dismissed already.")
    return job


def describe(job):
    """What a job does, in words: "Invitation mail to ana@example.com"."""
    kind = current_queue().kinds.get(job.kind)
    try:
        return kind.describe(job.payload)
    except Exception:  # a kind this version of the code no longer has, or a payload it cannot read
        return f"Job {job.id} ({job.kind})"


def is_retryable(job):
    kind = current_queue().kinds.get(job.kind)
    return kind is not None and kind.retryable


def _requeue(job):
    now = utcnow()
    # A fresh run of attempts; the last error stays on the row until the next attempt replaces or removes it.
    job.state, job.attempts, job.failed_at = "pending", 0, None
    job.run_after = job.enqueued_at = now


def retry_job(actor, job_id, reason=""):
    """Give a failed job a fresh run of attempts, now; recorded in the audit log. Returns what the job does, in
    words (the row itself may be gone by then: a job that succeeds is deleted)."""
    _require_admin(actor, "Only admins retry failed deliveries.")
    job = _failed_job(job_id)
    if not is_retryable(job):
        raise Invalid("This step ran inside a page request and cannot be run again; dismiss it once you have "
                      "read it.")
    what = describe(job)
    _requeue(job)
    record_audit(actor, "retry_delivery", "job", job.id, reason=reason, after={"job": what})
    commit()
    return what


def retry_all_failed(actor, reason=""):
    """Retry every failed job that can run again (after a mail server outage, say); returns how many."""
    _require_admin(actor, "Only admins retry failed deliveries.")
    retryable = [name for name, kind in current_queue().kinds.items() if kind.retryable]
    jobs = db.session.scalars(select(Job).where(Job.state == "failed", Job.kind.in_(retryable))).all()
    for job in jobs:
        _requeue(job)
    if jobs:
        record_audit(actor, "retry_delivery", "job", None, reason=reason, after={"jobs": len(jobs)})
        commit()
    return len(jobs)


def dismiss_job(actor, job_id, reason=""):
    """Remove a failed job without running it again; recorded in the audit log."""
    _require_admin(actor, "Only admins dismiss failed deliveries.")
    job = _failed_job(job_id)
    record_audit(actor, "dismiss_delivery", "job", job.id, reason=reason,
                 before={"job": describe(job), "error": job.error_summary})
    db.session.delete(job)
    commit()


def record_failed_step(step, details):
    """Keep an after-commit step that raised as a failed row (one per step, counting how often it failed), so the
    failure is seen on the failed-deliveries page and not only in the log. Never raises."""
    now = utcnow()
    about = f"step:{step}"[:80]
    try:
        updated = db.session.execute(
            update(Job).where(Job.kind == AFTER_COMMIT_STEP.name, Job.about == about, Job.state == "failed")
            .values(attempts=Job.attempts + 1, last_error=details[-20000:], failed_at=now)
            .execution_options(synchronize_session=False))
        if updated.rowcount == 0:
            db.session.add(Job(kind=AFTER_COMMIT_STEP.name, payload={"step": step}, about=about, state="failed",
                               attempts=1, run_after=now, created_at=now, failed_at=now,
                               last_error=details[-20000:]))
        db.session.commit()
    except Exception:
        log.exception("Could not record the failed after-commit step %s", step)
        db.session.rollback()
