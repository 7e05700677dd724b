"""Every email is sent by the job worker: invitations by the thousand without the page waiting, password resets
without a usable token in the database, and failed deliveries an admin can see and retry."""
import re
import time
from datetime import timedelta

from sqlalchemy import func, select, update

from community.auth import invitations
from community.auth.models import Invitation
from community.database import utcnow
from community.extensions import db
from community.jobs.models import Job
from community.moderation.models import AuditEntry
from tests.auth.smtp_server import SMTPServer
from tests.conftest import csrf_token

INVITE_LINK_RE = re.compile(r"http://localhost/invite/(\S+)")
RESET_LINK_RE = re.compile(r"http://localhost/password/reset/\S+")


def _body(message):
    return message.get_payload(decode=True).decode()


def _invite(auth, emails):
    return auth.post("/invitations", {"emails": emails}, content_type="multipart/form-data")


def _jobs(kind=None):
    db.session.expire_all()
    stmt = select(Job).order_by(Job.id)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    return db.session.scalars(stmt).all()


def test_a_thousand_invitations_are_answered_without_the_mail_server_then_each_delivered_once(
        app, auth, facilitator, smtp, held_jobs):
    addresses = [f"customer{n}@example.com" for n in range(1000)]
    auth.login("fran")

    started = time.monotonic()
    response = _invite(auth, "\n".join(addresses))
    answered_in = time.monotonic() - started

    assert response.status_code == 200
    assert "1000 emails on their way" in response.get_data(as_text=True)
    assert smtp.connections == 0 and smtp.messages == []  # the request never talked to the mail server
    assert len(_jobs("mail.invitation")) == 1000
    print(f"1,000-address invitation POST answered in {answered_in:.2f}s")

    assert held_jobs() == 1000
    assert sorted(smtp.recipients()) == sorted(addresses)  # every address once, none twice
    assert held_jobs() == 0 and len(smtp.messages) == 1000  # running the worker again sends nothing more
    assert _jobs() == []
    assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.sent_at.is_not(None))) == 1000
    # Each link mailed is the invitation's one working link.
    for recipients, message in smtp.messages[:: 250]:
        token = INVITE_LINK_RE.search(_body(message)).group(1)
        assert invitations.find_invitation(token).email == recipients[0]


def test_an_invitation_queued_twice_is_mailed_once_with_the_newer_link(app, facilitator, smtp, held_jobs):
    invitations.invite_people(facilitator, ["ana@example.com"])
    invitations.invite_people(facilitator, ["ana@example.com"])  # sent again before the worker got to it
    held_jobs()
    (recipients, message), = smtp.messages
    token = INVITE_LINK_RE.search(_body(message)).group(1)
    assert invitations.find_invitation(token).email == "ana@example.com"
    assert _jobs() == []


def test_a_refused_invitation_is_listed_as_failed_and_an_admins_retry_delivers_it(
        app, client, auth, facilitator, admin, held_jobs):
    with SMTPServer(refuse={"gone@example.com"}) as refusing:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=refusing.port, SITE_URL="http://localhost")
        auth.login("fran")
        _invite(auth, "gone@example.com")
        held_jobs()
        assert refusing.messages == []
    job, = _jobs()
    job_id = job.id
    assert job.state == "failed" and job.attempts == 1  # a 550 will not change by waiting: no retries
    invitation = db.session.scalar(select(Invitation))
    assert "recipient refused" in invitation.mail_error and invitation.sent_at is None
    listing = client.get("/invitations").get_data(as_text=True)
    assert "email failed: recipient refused" in listing

    auth.logout()
    auth.login("ada")
    floor = client.get("/floor/").get_data(as_text=True)
    assert 'href="/floor/deliveries/"' in floor  # reachable from the admin's floor
    page = client.get("/floor/deliveries/").get_data(as_text=True)
    assert "Invitation mail to gone@example.com" in page and "recipient refused" in page
    assert f'action="/floor/deliveries/{job.id}/retry"' in page

    with SMTPServer() as accepting:  # the mailbox exists now
        app.config.update(MAIL_PORT=accepting.port)
        assert client.post(f"/floor/deliveries/{job.id}/retry").status_code == 400  # no CSRF token
        response = auth.post(f"/floor/deliveries/{job.id}/retry", {"csrf_token": csrf_token(client, "/floor/deliveries/")})
        assert response.status_code == 302
        assert "Trying again now: Invitation mail to gone@example.com" in client.get(
            response.headers["Location"]).get_data(as_text=True)
        held_jobs()
        assert accepting.recipients() == ["gone@example.com"]
    db.session.expire_all()
    invitation = db.session.scalar(select(Invitation))
    assert invitation.sent_at is not None and invitation.mail_error is None
    assert _jobs() == []
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retry_delivery"))
    assert audit.actor_id == admin.id and audit.target_id == job_id
    assert "Nothing has failed" in client.get("/floor/deliveries/").get_data(as_text=True)


def test_only_admins_see_and_retry_failed_deliveries(app, client, auth, facilitator, held_jobs):
    with SMTPServer(refuse={"gone@example.com"}) as refusing:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=refusing.port, SITE_URL="http://localhost")
        invitations.invite_people(facilitator, ["gone@example.com"])
        held_jobs()
    job, = _jobs()
    auth.login("fran")
    assert client.get("/floor/deliveries/").status_code == 403
    assert auth.post(f"/floor/deliveries/{job.id}/retry").status_code == 403
    assert auth.post("/floor/deliveries/retry-all").status_code == 403
    assert auth.post(f"/floor/deliveries/{job.id}/dismiss").status_code == 403
    assert 'href="/floor/deliveries/"' not in client.get("/floor/").get_data(as_text=True)
    assert _jobs()[0].state == "failed"


def test_admin_retries_every_failed_delivery_after_an_outage_or_dismisses_one(app, client, auth, admin, facilitator,
                                                                               held_jobs):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, SITE_URL="http://localhost", JOBS_MAX_ATTEMPTS=1)
    invitations.invite_people(facilitator, ["a@example.com", "b@example.com", "c@example.com"])
    held_jobs()
    assert [job.state for job in _jobs()] == ["failed"] * 3
    first = _jobs()[0]
    auth.login("ada")
    token = csrf_token(client, "/floor/deliveries/")
    assert auth.post(f"/floor/deliveries/{first.id}/dismiss", {"csrf_token": token}).status_code == 302
    with SMTPServer() as smtp:
        app.config.update(MAIL_PORT=smtp.port)
        response = auth.post("/floor/deliveries/retry-all", {"csrf_token": token}, follow_redirects=True)
        assert "Trying 2 failed deliveries again now." in response.get_data(as_text=True)
        held_jobs()
        assert sorted(smtp.recipients()) == ["b@example.com", "c@example.com"]
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["dismiss_delivery", "retry_delivery"]


def test_unreachable_mail_server_delays_an_invitation_until_it_answers(app, client, auth, facilitator, held_jobs,
                                                                       caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, SITE_URL="http://localhost")  # nothing listens
    auth.login("fran")
    assert _invite(auth, "ana@example.com").status_code == 200
    held_jobs()
    job, = _jobs()
    assert job.state == "pending" and job.attempts == 1 and "ConnectionRefusedError" in job.error_summary
    assert "Invitation mail to ana@example.com failed (attempt 1 of 8)" in caplog.text
    assert "email not sent yet, trying again: ConnectionRefusedError" in client.get("/invitations").get_data(
        as_text=True)

    with SMTPServer() as smtp:
        app.config.update(MAIL_PORT=smtp.port)
        db.session.execute(update(Job).values(run_after=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        held_jobs()
        assert smtp.recipients() == ["ana@example.com"]
    assert "Pending · emailed" in client.get("/invitations").get_data(as_text=True)


def test_reset_mail_is_sent_by_the_worker_and_no_usable_token_waits_in_the_database(
        app, client, member, smtp, held_jobs):
    response = client.post("/password/forgot", data={"login": "maria",
                                                     "csrf_token": csrf_token(client, "/password/forgot")})
    response.close()
    assert response.status_code == 302
    job, = _jobs("mail.password_reset")
    assert smtp.connections == 0
    assert job.payload["link"] == "http://localhost/password/reset/TOKEN-SLOT"  # the token is made when sending

    held_jobs()
    (recipients, message), = smtp.messages
    assert recipients == ["maria@example.com"]
    link = RESET_LINK_RE.search(_body(message)).group(0)
    path = link.replace("http://localhost", "")
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    assert _jobs() == []


def test_password_changed_notice_is_queued_with_the_change(app, client, member, smtp, held_jobs):
    from tests.conftest import DEFAULT_PASSWORD, AuthActions

    auth = AuthActions(client)
    auth.login("maria")
    response = auth.post("/settings/password", {"current_password": DEFAULT_PASSWORD,
                                                "new_password": "a brand new phrase", "confirm": "a brand new phrase"})
    assert response.status_code == 302 and smtp.messages == []
    held_jobs()
    (recipients, notice), = smtp.messages
    assert recipients == ["maria@example.com"] and notice["Subject"] == "Your Tummler password was changed"


def test_retrying_a_delivery_that_succeeds_at_once_answers_normally(app, client, auth, admin, facilitator):
    # With JOBS_IN_PROCESS (or here, the tests' immediate mode) the retried job may run and vanish before the
    # page answers: the answer must not need its row.
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, SITE_URL="http://localhost", JOBS_MAX_ATTEMPTS=1)
    invitations.invite_people(facilitator, ["ana@example.com"])
    job, = _jobs()
    assert job.state == "failed"
    auth.login("ada")
    with SMTPServer() as smtp:
        app.config.update(MAIL_PORT=smtp.port)
        response = auth.post(f"/floor/deliveries/{job.id}/retry", follow_redirects=True)
        assert response.status_code == 200
        assert "Trying again now: Invitation mail to ana@example.com." in response.get_data(as_text=True)
        assert smtp.recipients() == ["ana@example.com"]
    assert _jobs() == []
