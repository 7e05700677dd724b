"""Fixtures for background jobs: jobs held in the queue until a test runs the worker, and a mail server."""
import pytest

from community.jobs.runner import run_due
from tests.auth.smtp_server import SMTPServer


@pytest.fixture
def held_jobs(app):
    """Committed jobs wait in the queue, as they do for a worker in another process, instead of running at once
    (the tests' usual Huey immediate mode). Call the returned function to run what is due, as the worker would."""
    huey = app.extensions["jobs"].huey
    huey.immediate = False
    yield lambda: run_due(app)
    huey.immediate = True


@pytest.fixture
def smtp(app):
    with SMTPServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, SITE_URL="http://localhost")
        yield server
