"""/healthz: what a load balancer and a monitor read about this machine, and what it never says or stores."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from community import create_app
from community.config import TestingConfig
from community.database import utcnow
from community.extensions import limiter
from community.search.models import OutboxEntry

CLOSED_PORT = 1  # nothing listens there: connecting is refused at once


def test_healthz_answers_200_with_each_check_when_all_is_well(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok" and body["down"] == [] and body["degraded"] == []
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["search"] == {"ok": True, "waiting": 0, "oldest_seconds": 0.0,
                                        "ms": body["checks"]["search"]["ms"]}
    assert "redis" not in body["checks"]  # not configured, so not a reason to fail
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_naming_redis_without_its_address_or_password(app, client):
    app.config["REDIS_URL"] = f"redis://:hunter2-secret@127.0.0.1:{CLOSED_PORT}/0"
    response = client.get("/healthz")
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.get_json()["down"] == ["redis"]
    assert response.get_json()["checks"]["redis"]["ok"] is False
    assert response.get_json()["checks"]["database"]["ok"] is True
    for secret in ("hunter2", "127.0.0.1", "redis://", "Traceback", "Error 111"):
        assert secret not in text


def test_healthz_answers_503_naming_the_database_when_it_cannot_be_reached(tmp_path):
    unreachable = tmp_path / "no-such-directory" / "community.db"
    config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{unreachable}",
                      "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "down" and "database" in response.get_json()["down"]
    assert str(tmp_path) not in response.get_data(as_text=True)


def test_search_lag_is_reported_and_marks_the_site_degraded_while_it_keeps_serving(app, db, client, make_thread):
    make_thread(title="Kettle light keeps blinking")
    make_thread(title="Air fryer basket sticks")
    db.session.execute(update(OutboxEntry).values(created_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200, "a lagging indexer is shared by every machine: none leaves rotation for it"
    assert body["status"] == "degraded" and body["degraded"] == ["search"]
    assert body["checks"]["search"]["waiting"] >= 2
    assert body["checks"]["search"]["oldest_seconds"] >= 600


def test_healthz_is_never_rate_limited_nor_answered_from_a_store(app, tmp_path, database_uri, _schema):
    config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    limited = create_app({**config, "SQLALCHEMY_DATABASE_URI": database_uri, "SEARCH_INDEX_DIR": str(tmp_path / "ix"),
                          "RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "3 per minute"})
    client = limited.test_client()
    try:
        assert [client.get("/login").status_code for _ in range(4)][-1] == 429, "the default limit is in force"
        assert {client.get("/healthz").status_code for _ in range(10)} == {200}
        limited.config["REDIS_URL"] = f"redis://127.0.0.1:{CLOSED_PORT}/0"
        assert client.get("/healthz").status_code == 503
        limited.config["REDIS_URL"] = None
        assert client.get("/healthz").status_code == 200, "each probe is answered afresh"
    finally:
        # The extension is shared with the apps of the tests after this one: take the default limit back.
        limiter.limit_manager.set_default_limits([])
        limiter.enabled = False


@pytest.mark.redis
def test_healthz_checks_a_reachable_redis(app, client):
    from tests.chat.live import REDIS_BASE, redis_or_skip

    redis_or_skip(0)
    app.config["REDIS_URL"] = f"{REDIS_BASE}/0"
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["checks"]["redis"]["ok"] is True


def test_jobs_waiting_too_long_are_reported_and_mark_the_site_degraded(app, db, client):
    from community.jobs.models import Job

    # Written as rows alone (no worker in this test runs them): one due ten minutes ago, one given up on.
    db.session.execute(Job.__table__.insert(), [
        {"kind": "mail.invitation", "payload": {}, "state": "pending", "attempts": 0,
         "run_after": utcnow() - timedelta(minutes=10), "created_at": utcnow()},
        {"kind": "mail.invitation", "payload": {}, "state": "failed", "attempts": 8, "run_after": utcnow(),
         "created_at": utcnow()}])
    db.session.commit()
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and body["degraded"] == ["jobs"]
    assert body["checks"]["jobs"]["pending"] == 1 and body["checks"]["jobs"]["failed"] == 1
    assert body["checks"]["jobs"]["oldest_due_seconds"] >= 600
