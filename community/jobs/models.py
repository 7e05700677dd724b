"""Background jobs as rows in the app's own database: the durable record of work still owed."""
from ..database import utcnow
from ..extensions import db

JOB_STATES = ("pending", "running", "failed")  # a job that succeeded is deleted


def error_summary(details):
    """The last line of a traceback, for people: "ConnectionRefusedError: [Errno 111] Connection refused", or the
    bare message of a PermanentFailure ("recipient refused: ...")."""
    lines = [line for line in (details or "").splitlines() if line.strip()]
    if not lines:
        return ""
    name, colon, message = lines[-1].strip().partition(": ")
    name = name.rsplit(".", 1)[-1]
    if name == "PermanentFailure":
        return message
    return f"{name}{colon}{message}"


class Job(db.Model):
    """One piece of work to do after a commit (an email, a notification fan-out), written in the same transaction
    as the change that needs it and deleted in the same transaction as the work's own writes once it succeeded."""

    __tablename__ = "jobs"
    __table_args__ = (db.Index("ix_jobs_state_run_after", "state", "run_after"),)

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(60), nullable=False)
    payload = db.Column(db.JSON, nullable=False)
    # What the job is about ("invitation:12"), so pages can say an email is queued without reading payloads.
    about = db.Column(db.String(80), index=True)
    state = db.Column(db.String(10), nullable=False, default="pending")
    attempts = db.Column(db.Integer, nullable=False, default=0)  # times a worker started it
    run_after = db.Column(db.DateTime, nullable=False, default=utcnow)
    # When a message for it was last handed to the queue: a row due long after that was lost by the queue.
    enqueued_at = db.Column(db.DateTime)
    # The lease of the worker running it: past this time the worker is taken for dead and the job runs again.
    claimed_until = db.Column(db.DateTime)
    claim_token = db.Column(db.String(32))
    last_error = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    failed_at = db.Column(db.DateTime)

    @property
    def error_summary(self):
        return error_summary(self.last_error)

    def __repr__(self):
        return f"<Job {self.id} {self.kind} {self.state}>"
