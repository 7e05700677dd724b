"""The checks /healthz runs, in order. Each is a small function of the app that returns what it measured and
raises when what it checks is down or behind; a Check says whether that takes the machine out of rotation."""
import logging
import time
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, select, text

from ..database import utcnow
from ..extensions import db

log = logging.getLogger(__name__)


class Behind(Exception):
    """Working, but further behind than it should be; carries what was measured."""

    def __init__(self, details):
        super().__init__("behind")
        self.details = details


def check_database(app):
    db.session.execute(text("SELECT 1"))
    return {}


def check_redis(app):
    client = app.extensions.get("health_redis")
    if client is None:
        import redis

        # Short timeouts: a load balancer's probe must not hang on a Redis that stopped answering.
        client = redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=1)
        app.extensions["health_redis"] = client
    client.ping()
    return {}


def check_search(app):
    """Outbox rows the indexer has not applied yet, and how long the oldest has waited."""
    from ..search.models import OutboxEntry

    waiting, oldest = db.session.execute(select(func.count(OutboxEntry.id), func.min(OutboxEntry.created_at))).one()
    age = round((utcnow() - oldest).total_seconds(), 1) if oldest is not None else 0.0
    details = {"waiting": waiting, "oldest_seconds": age}
    if age > app.config.get("HEALTH_SEARCH_LAG_SECONDS", 300):
        raise Behind(details)
    return details


def check_jobs(app):
    """Background jobs waiting, being run and given up on, and how long the oldest due one has waited."""
    from ..jobs.models import Job
    from ..jobs.queries import counts

    details = counts()
    now = utcnow()
    oldest = db.session.scalar(select(func.min(Job.run_after)).where(Job.state == "pending", Job.run_after <= now))
    details["oldest_due_seconds"] = round((now - oldest).total_seconds(), 1) if oldest is not None else 0.0
    if details["oldest_due_seconds"] > app.config.get("HEALTH_JOBS_LAG_SECONDS", 300):
        raise Behind(details)
    return details


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable
    # Fatal: this machine cannot serve without it, so /healthz answers 503. Not fatal: shared by every machine
    # (the search indexer, a job queue), so failing them all at once would only take the whole site down; the
    # body says "degraded" for monitors instead.
    fatal: bool = True
    applies: Callable = lambda app: True


CHECKS = [
    Check("database", check_database),
    Check("redis", check_redis, applies=lambda app: bool(app.config.get("REDIS_URL"))),
    Check("search", check_search, fatal=False),
    Check("jobs", check_jobs, fatal=False),
]


def run_checks(app, checks=None):
    """{"status": "ok" | "degraded" | "down", "checks": {name: {...}}, "down": [...], "degraded": [...]}.

    Failures are named by kind only (the exception's class): a probe's answer carries no host, URL or trace."""
    report = {"status": "ok", "checks": {}, "down": [], "degraded": []}
    for check in checks if checks is not None else CHECKS:
        if not check.applies(app):
            continue
        started = time.perf_counter()
        try:
            result = {"ok": True, **check.run(app)}
        except Behind as behind:
            result = {"ok": False, "error": "behind", **behind.details}
            report["degraded"].append(check.name)
        except Exception as error:
            log.warning("health check %s failed", check.name, exc_info=True)
            result = {"ok": False, "error": type(error).__name__}
            report["down" if check.fatal else "degraded"].append(check.name)
            _rollback()
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        report["checks"][check.name] = result
    if report["down"]:
        report["status"] = "down"
    elif report["degraded"]:
        report["status"] = "degraded"
    return report


def _rollback():
    """A failed statement leaves the session's transaction unusable for the checks after it."""
    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback after a failed health check failed too", exc_info=True)
