"""The real worker process (`flask jobs worker`) killed with SIGKILL in the middle of an email loses nothing: started
again, it delivers every email exactly once. On Huey's SQLite queue, and on Redis where one is reachable."""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from community import create_app
from community.auth.invitations import invite_people
from community.auth.models import Invitation, User
from community.extensions import db
from community.jobs.models import Job
from tests.auth.smtp_server import SMTPServer
from tests.conftest import _test_config
from tests.servers import ROOT, server_env

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ADDRESSES = [f"customer{n}@example.com" for n in range(5)]


def _redis_or_skip():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}): the Huey Redis queue is tested where it is")


def _wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _start_worker(env, log_path):
    log = open(log_path, "ab")
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT), log


@pytest.mark.server
@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_worker_killed_mid_mail_loses_nothing_and_sends_every_mail_once(app, database_uri, facilitator, tmp_path,
                                                                         storage):
    if storage == "redis":
        _redis_or_skip()
    queue_name = f"tummler-jobs-test-{uuid.uuid4().hex[:8]}"
    # JOBS_REDIS_URL, not REDIS_URL, for the app in this process: REDIS_URL would also give Socket.IO (one object
    # for every app of the process) a message queue, which its test clients in later tests refuse.
    queue = {"JOBS_REDIS_URL": REDIS_URL} if storage == "redis" else {"JOBS_QUEUE_PATH": str(tmp_path / "queue.db")}
    lease = 3
    workers, logs = [], []

    with SMTPServer(stall_first_data=True) as smtp:
        mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "SITE_URL": "http://localhost"}
        env = server_env(tmp_path / "worker-instance", DATABASE_URL=database_uri,
                         SEARCH_INDEX_DIR=tmp_path / "index", JOBS_QUEUE_NAME=queue_name, JOBS_WORKERS=1,
                         JOBS_LEASE_SECONDS=lease, **queue, **mail)
        web = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_uri,
                          "SEARCH_INDEX_DIR": str(tmp_path / "web-index"), "JOBS_IMMEDIATE": False,
                          "JOBS_QUEUE_NAME": queue_name, **queue, **mail})
        try:
            workers.append(_start_worker(env, tmp_path / "worker.log"))
            with web.app_context():
                invite_people(db.session.get(User, facilitator.id), ADDRESSES)
                db.session.remove()

            # The first email stalls before the server's final 250: kill -9 lands in the middle of it.
            assert smtp.stalled.wait(60), (tmp_path / "worker.log").read_text()
            workers[0][0].send_signal(signal.SIGKILL)
            workers[0][0].wait(10)
            smtp.release()
            time.sleep(0.3)
            assert smtp.messages == []  # the interrupted email was never accepted

            with web.app_context():
                running = db.session.scalars(select(Job).where(Job.state == "running")).all()
                assert len(running) == 1  # the row outlived its worker, whose Huey message is gone
                lease_ends = running[0].claimed_until
                db.session.remove()
            # A supervisor restarts the worker; the sweep it starts with takes over jobs whose lease has ended.
            _wait_for(lambda: _utcnow() > lease_ends, lease + 5, "the dead worker's lease to end")
            workers.append(_start_worker(env, tmp_path / "worker.log"))

            _wait_for(lambda: len(smtp.messages) >= len(ADDRESSES), 60, "every email to arrive")
            time.sleep(0.5)  # anything sent twice would arrive now
            assert sorted(smtp.recipients()) == ADDRESSES  # every email, each exactly once
            with web.app_context():
                _wait_for(lambda: _count(Job) == 0, 10, "the job rows to be removed")
                assert db.session.scalar(select(func.count(Invitation.id)).where(
                    Invitation.sent_at.is_not(None))) == len(ADDRESSES)
                db.session.remove()
            assert "handed 1 waiting job(s)" in (tmp_path / "worker.log").read_text()
        finally:
            for process, log in workers:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)  # a graceful stop: the jobs it runs finish first
                    try:
                        process.wait(15)
                    except subprocess.TimeoutExpired:
                        process.kill()
                log.close()
            if storage == "redis":
                with web.app_context():
                    web.extensions["jobs"].huey.flush()
            with web.app_context():
                db.engine.dispose()


def _utcnow():
    from community.database import utcnow

    return utcnow()


def _count(model):
    db.session.rollback()
    return db.session.scalar(select(func.count(model.id)))


@pytest.mark.server
def test_worker_stops_gracefully_on_sigterm(app, database_uri, tmp_path):
    env = server_env(tmp_path / "instance", DATABASE_URL=database_uri, SEARCH_INDEX_DIR=tmp_path / "index",
                     JOBS_QUEUE_PATH=tmp_path / "queue.db")
    process, log = _start_worker(env, tmp_path / "worker.log")
    try:
        _wait_for(lambda: b"Job worker started" in Path(tmp_path / "worker.log").read_bytes(), 30, "the worker")
        time.sleep(1)  # Huey's consumer installs its signal handlers once its threads have started
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
