"""`flask jobs`: the background worker, and a look at (and a retry of) what it failed to do."""
import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..errors import CommunityError
from ..extensions import db
from . import actions, queries, runner
from .models import Job

jobs_cli = AppGroup("jobs", help="The background-job worker and its queue.")


@jobs_cli.command("worker")
@click.option("--workers", type=int, default=None, help="Threads running jobs at once (default JOBS_WORKERS).")
def worker_command(workers):
    """Run jobs as they are queued: the Huey consumer with the app (Ctrl-C or SIGTERM stops it after the jobs it
    is running)."""
    app = current_app._get_current_object()
    # Jobs queued by jobs go through the queue too, whatever the web processes do.
    app.config["JOBS_IN_PROCESS"] = False
    queue = app.extensions["jobs"]
    huey = queue.huey
    if huey.immediate:
        raise click.UsageError("JOBS_IMMEDIATE runs jobs inside the process that queues them; there is nothing "
                               "for a worker to do.")
    workers = workers or app.config["JOBS_WORKERS"]
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True, graceful_signal="TERM",
                                    shutdown_timeout=app.config["JOBS_SHUTDOWN_TIMEOUT"])
    recovered = runner.sweep(app)
    storage = "Redis" if queue.redis_url else "SQLite"
    click.echo(f"Job worker started with {workers} thread(s) on the {storage} queue"
               + (f"; handed {recovered} waiting job(s) to it" if recovered else "") + ".")
    consumer.run()


@jobs_cli.command("run")
def run_command():
    """Run every job that is due now in this process, then exit (no worker needed)."""
    ran = runner.run_due(current_app._get_current_object())
    click.echo(f"Ran {ran} job(s).")


@jobs_cli.command("list")
@click.option("--failed", "only_failed", is_flag=True, help="Only the jobs that failed for good.")
@click.option("--limit", default=50, show_default=True)
def list_command(only_failed, limit):
    """Jobs waiting, running or failed, oldest first, with their last error."""
    counts = queries.counts()
    click.echo(f"{counts['pending']} waiting, {counts['running']} running, {counts['failed']} failed")
    stmt = select(Job).order_by(Job.id).limit(limit)
    if only_failed:
        stmt = stmt.where(Job.state == "failed")
    for job in db.session.scalars(stmt):
        line = f"#{job.id} {job.state:<7} attempts={job.attempts} {actions.describe(job)}"
        if job.state == "pending" and job.attempts:
            line += f" (next try {job.run_after:%Y-%m-%d %H:%M:%S} UTC)"
        click.echo(line)
        if job.last_error:
            click.echo(f"    {job.error_summary}")


@jobs_cli.command("retry")
@click.argument("job_ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Every failed job that can run again.")
def retry_command(job_ids, all_failed):
    """Give failed jobs a fresh round of attempts (recorded in the audit log as done by the community)."""
    if not job_ids and not all_failed:
        raise click.UsageError("Name the jobs to retry, or pass --all-failed.")
    if all_failed:
        click.echo(f"Retrying {actions.retry_all_failed(actions.OPERATOR, 'flask jobs retry')} job(s).")
        return
    for job_id in job_ids:
        try:
            actions.retry_job(actions.OPERATOR, job_id, "flask jobs retry")
        except CommunityError as error:
            raise click.ClickException(f"Job {job_id}: {error.message}") from None
        click.echo(f"Retrying job {job_id}.")
