"""Background jobs: rows in the app's database written with the change that needs them, run by Huey's worker.

The design and why it was chosen are in docs/JOBS.md."""
from .queue import JobKind, PermanentFailure, current_queue, enqueue, enqueue_many  # noqa: F401


def init_app(app):
    """Give the app its job queue, route failed after-commit steps to the failed-deliveries page, and with
    JOBS_IN_PROCESS start a runner thread with the first request (never in CLI runs)."""
    from .actions import record_failed_step
    from .queue import JobQueue, register_session_listeners
    from .runner import InProcessRunner

    queue = JobQueue(app)
    app.extensions["jobs"] = queue
    app.extensions["after_commit_failed"] = record_failed_step
    register_session_listeners()
    if queue.runs_in_process:
        queue.in_process = InProcessRunner(app)

        @app.before_request
        def ensure_job_runner_running():
            queue.in_process.start()

    return queue
