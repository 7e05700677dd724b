"""The job runner: a job's row is removed only with its work, failures retry with growing delays and then stay as
failed, a dead worker's job runs again, and jobs the queue lost are handed to it again."""
import logging
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from community.database import commit, rollback, utcnow
from community.extensions import db
from community.jobs import JobKind, PermanentFailure, enqueue
from community.jobs.models import Job
from community.jobs.runner import InProcessRunner, _claim, run_job, sweep
from community.notifications.actions import notify
from community.notifications.models import Notification


@pytest.fixture
def note_jobs(app, make_member):
    """A job kind that notifies a member and then, for its first `fail` attempts, raises: a retry that kept the
    half-done write of a failed attempt would show as a second notification."""
    reader_id = make_member("reader").id  # an id, not the row: jobs may run in another thread and session
    tries = Counter()

    def run(payload):
        tries[payload["text"]] += 1
        notify(reader_id, "mention", payload["text"], commit_now=False)
        if payload.get("permanent"):
            raise PermanentFailure("the mailbox does not exist")
        if tries[payload["text"]] <= payload.get("fail", 0):
            raise RuntimeError(f"the mail server said no (try {tries[payload['text']]})")

    app.extensions["jobs"].register(JobKind("test.note", run=run, describe=lambda p: f"Note “{p['text']}”"))

    def queue(text, **options):
        job = enqueue("test.note", {"text": text, **options}, about=f"note:{text}")
        db.session.flush()
        job_id = job.id  # read before the commit: the job may have run and gone by the time it returns
        commit()
        return job_id

    queue.tries = tries
    return queue


def _notes(text):
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.text == text))


def _job(job_id):
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _make_due(job_id):
    db.session.execute(update(Job).where(Job.id == job_id).values(run_after=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_job_of_a_rolled_back_change_never_exists(app, note_jobs, held_jobs):
    enqueue("test.note", {"text": "never"})
    db.session.flush()
    rollback()
    assert db.session.scalar(select(func.count(Job.id))) == 0
    assert app.extensions["jobs"].huey.pending_count() == 0
    assert held_jobs() == 0 and _notes("never") == 0


def test_job_is_handed_to_the_queue_when_its_transaction_commits_not_before(app, note_jobs, held_jobs):
    huey = app.extensions["jobs"].huey
    enqueue("test.note", {"text": "after commit"})
    db.session.flush()
    assert huey.pending_count() == 0  # a worker must never look for a row it cannot see yet
    commit()
    assert huey.pending_count() == 1
    assert _notes("after commit") == 0  # queued, not yet run
    held_jobs()
    assert _notes("after commit") == 1
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_failed_attempts_keep_no_writes_and_retry_with_growing_delays(app, note_jobs, held_jobs, caplog):
    job_id = note_jobs("twice refused", fail=2)

    held_jobs()
    job = _job(job_id)
    assert (job.state, job.attempts, _notes("twice refused")) == ("pending", 1, 0)
    first_delay = (job.run_after - utcnow()).total_seconds()
    assert 25 <= first_delay <= 37  # JOBS_RETRY_DELAY (30 s) plus up to a fifth
    assert "the mail server said no (try 1)" in job.last_error and "Traceback" in job.last_error
    assert "Note “twice refused” failed (attempt 1 of 8); trying again in" in caplog.text
    assert held_jobs() == 0  # not due yet

    _make_due(job_id)
    held_jobs()
    job = _job(job_id)
    assert (job.state, job.attempts, _notes("twice refused")) == ("pending", 2, 0)
    assert 55 <= (job.run_after - utcnow()).total_seconds() <= 73  # doubled

    _make_due(job_id)
    held_jobs()
    assert _job(job_id) is None  # removed with the work it did
    assert _notes("twice refused") == 1


def test_job_failing_every_attempt_stays_failed_with_its_traceback(app, note_jobs, held_jobs, caplog):
    app.config["JOBS_MAX_ATTEMPTS"] = 3
    job_id = note_jobs("always refused", fail=99)
    for _ in range(3):
        _make_due(job_id)
        held_jobs()
    job = _job(job_id)
    assert (job.state, job.attempts) == ("failed", 3)
    assert job.failed_at is not None and job.claim_token is None
    assert job.error_summary == "RuntimeError: the mail server said no (try 3)"
    assert "Traceback (most recent call last)" in job.last_error
    given_up = [r for r in caplog.records if r.levelno == logging.ERROR and "failed for good" in r.getMessage()]
    assert len(given_up) == 1 and given_up[0].exc_info is not None
    assert "Note “always refused” failed for good after 3 attempt(s)" in given_up[0].getMessage()
    _make_due(job_id)
    assert held_jobs() == 0  # a failed job waits for a person to retry it
    assert _notes("always refused") == 0


def test_permanent_failure_is_not_retried(app, note_jobs, held_jobs):
    job_id = note_jobs("no such mailbox", permanent=True)
    held_jobs()
    job = _job(job_id)
    assert (job.state, job.attempts) == ("failed", 1)
    assert "the mailbox does not exist" in job.error_summary
    assert note_jobs.tries["no such mailbox"] == 1


def test_job_left_running_by_a_dead_worker_runs_again_once_its_lease_ends(app, note_jobs, held_jobs):
    job_id = note_jobs("orphaned")
    assert _claim(app, job_id) is not None  # a worker took it, then died (kill -9) before finishing
    assert held_jobs() == 0  # its lease still runs: nobody else may take the job
    assert _job(job_id).state == "running"

    db.session.execute(update(Job).where(Job.id == job_id).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert held_jobs() == 1
    assert _job(job_id) is None and _notes("orphaned") == 1


def test_job_whose_worker_keeps_dying_is_given_up_on(app, note_jobs, held_jobs):
    app.config["JOBS_MAX_ATTEMPTS"] = 2
    job_id = note_jobs("kills its worker")
    for _ in range(2):
        _claim(app, job_id)  # started, and the worker died each time (out of memory, say)
        db.session.execute(update(Job).where(Job.id == job_id).values(claimed_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    held_jobs()
    job = _job(job_id)
    assert job.state == "failed" and "the worker stopped while running it 2 times" in job.last_error
    assert note_jobs.tries["kills its worker"] == 0


def test_worker_that_outlived_its_lease_undoes_its_work_instead_of_doubling_it(app, note_jobs, held_jobs):
    kinds = app.extensions["jobs"].kinds
    slow = kinds["test.note"].run

    def run_slowly(payload):
        if note_jobs.tries["slow"] == 0:
            # This worker stalls past its lease: another worker takes the job over and finishes it meanwhile.
            with db.engine.begin() as conn:
                conn.execute(update(Job).where(Job.id == job_id).values(claimed_until=utcnow() - timedelta(seconds=1)))
            note_jobs.tries["slow"] += 1
            assert run_job(app, job_id)
        slow(payload)

    kinds["test.note"] = JobKind("test.note", run=run_slowly, describe=lambda p: "slow note")
    job_id = note_jobs("slow")
    held_jobs()
    assert _job(job_id) is None
    assert _notes("slow") == 1  # the stalled worker's notification was rolled back


def test_sweep_hands_lost_jobs_to_the_queue_again_once(app, note_jobs, held_jobs):
    huey = app.extensions["jobs"].huey
    lost = note_jobs("lost by the queue")
    orphaned = note_jobs("left by a dead worker")
    fresh = note_jobs("just queued")
    _claim(app, orphaned)
    long_ago = utcnow() - timedelta(seconds=app.config["JOBS_REQUEUE_AFTER"] + 5)
    db.session.execute(update(Job).where(Job.id.in_([lost, orphaned])).values(enqueued_at=long_ago))
    db.session.execute(update(Job).where(Job.id == orphaned).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    huey.flush()  # Redis restarted: every message is gone, the rows are not

    assert sweep(app) == 2
    assert huey.pending_count() == 2  # the fresh job's message is taken for still on its way
    assert sweep(app) == 0  # a second sweep (another worker's) does not push them twice
    assert held_jobs() == 3
    assert [_notes(text) for text in ("lost by the queue", "left by a dead worker", "just queued")] == [1, 1, 1]
    assert fresh  # ran with the others: it was due too


def test_in_process_runner_runs_a_job_as_soon_as_it_is_committed(app, note_jobs):
    app.config.update(JOBS_IMMEDIATE=False, JOBS_IN_PROCESS=True, JOBS_POLL_SECONDS=60)
    queue = app.extensions["jobs"]
    queue.in_process = InProcessRunner(app)
    queue.in_process.start()
    try:
        note_jobs("woken by the commit")
        deadline = time.monotonic() + 10
        while _notes("woken by the commit") == 0 and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.05)
        assert _notes("woken by the commit") == 1  # well before the 60 s poll
    finally:
        queue.in_process.stop()
        queue.in_process = None


def test_command_line_process_without_a_runner_thread_runs_its_jobs_after_their_commit(app, note_jobs):
    # `flask demo load` writes posts through the real actions: their notifications must not wait for a web process.
    app.config.update(JOBS_IMMEDIATE=False, JOBS_IN_PROCESS=True)
    app.extensions["jobs"].in_process = InProcessRunner(app)  # made by init_app, never started: no request came
    note_jobs("from the command line")
    assert _notes("from the command line") == 1
    assert db.session.scalar(select(func.count(Job.id))) == 0
