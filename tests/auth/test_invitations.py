"""Invitations: lists and CSV uploads, single-use links, counts, SMTP delivery and failures."""
import io
import re
import socket

import pytest
from sqlalchemy import func, select

from community.auth import invitations
from community.auth.models import Invitation, User
from community.errors import NotAllowed, NotFound, RateLimited
from tests.auth.smtp_server import SMTPServer
from tests.conftest import csrf_token

LINK_RE = re.compile(r'value="(http://localhost/invite/[^"]+)"')


def _invite(auth, emails="", csv_bytes=None, filename="people.csv"):
    data = {"emails": emails}
    if csv_bytes is not None:
        data["csv_file"] = (io.BytesIO(csv_bytes), filename)
    return auth.post("/invitations", data, content_type="multipart/form-data")


def _token(link):
    return link.rsplit("/", 1)[1]


def test_facilitator_invites_a_list_and_sees_links_to_copy(client, auth, facilitator, db):
    auth.login("fran")
    response = _invite(auth, "ana@example.com, Ben <BEN@Example.org>\ncleo@example.net")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    links = LINK_RE.findall(page)
    assert len(links) == 3
    assert "No mail server is configured" in page
    assert "3</strong> pending" in page
    stored = db.session.scalars(select(Invitation).order_by(Invitation.email)).all()
    assert [i.email for i in stored] == ["ana@example.com", "ben@example.org", "cleo@example.net"]
    # Only a hash of each token is kept.
    tokens = {_token(link) for link in links}
    assert not tokens & {i.token_hash for i in stored}
    assert {invitations.hash_token(t) for t in tokens} == {i.token_hash for i in stored}


def test_csv_upload_reads_emails_from_any_column(client, auth, facilitator, db):
    auth.login("fran")
    csv_bytes = ("name;company;contact\nAna;Acme;ana@example.com\nBen;Beta;ben@example.org\n"
                 "Nobody;Nowhere;no email here\n").encode("utf-8-sig")
    response = _invite(auth, csv_bytes=csv_bytes)
    assert response.status_code == 200
    assert len(LINK_RE.findall(response.get_data(as_text=True))) == 2
    assert db.session.scalar(select(func.count(Invitation.id))) == 2


def test_existing_members_are_skipped_with_a_message(client, auth, facilitator, member, db):
    auth.login("fran")
    response = _invite(auth, "MARIA@example.com, new@example.com, new@example.com")
    page = response.get_data(as_text=True)
    assert "Skipped 1 address that already belongs to a member: maria@example.com" in page
    assert "1 repeated address counted once" in page
    assert db.session.scalars(select(Invitation.email)).all() == ["new@example.com"]


def test_invalid_addresses_are_reported_not_invited(client, auth, facilitator, db):
    auth.login("fran")
    page = _invite(auth, "good@example.com, bad@@example, x@nodot").get_data(as_text=True)
    assert "Not email addresses, so not invited" in page
    assert db.session.scalars(select(Invitation.email)).all() == ["good@example.com"]


def test_empty_invitation_form_shows_an_error(client, auth, facilitator):
    auth.login("fran")
    response = _invite(auth, "   ")
    assert response.status_code == 400
    assert "Add at least one email address" in response.get_data(as_text=True)


def test_members_cannot_invite(client, auth, member, db):
    auth.login("maria")
    assert client.get("/invitations").status_code == 403
    assert _invite(auth, "ana@example.com").status_code == 403
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    with pytest.raises(NotAllowed):
        invitations.invite_people(member, ["ana@example.com"], link_for=str)


def test_invitation_link_prefills_the_join_form_and_works_once(app, client, auth, facilitator, db):
    auth.login("fran")
    link = LINK_RE.findall(_invite(auth, "ana@example.com").get_data(as_text=True))[0]
    auth.logout()
    path = "/invite/" + _token(link)
    form_page = client.get(path)
    assert form_page.status_code == 200
    assert 'value="ana@example.com"' in form_page.get_data(as_text=True)
    response = client.post(path, data={"username": "ana", "email": "ana@example.com",
                                       "password": "a long quiet river", "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert invitation.accepted_at is not None
    assert invitation.accepted_user.username == "ana"
    # Single use: a second visitor gets a clear refusal.
    stranger = app.test_client()
    again = stranger.get(path)
    assert again.status_code == 404
    assert "has been used already" in again.get_data(as_text=True)
    auth.logout()
    auth.login("fran")
    assert "1</strong> accepted" in client.get("/invitations").get_data(as_text=True)


def test_unknown_invitation_link_is_refused(client):
    response = client.get("/invite/not-a-real-token")
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)


def test_reinviting_a_pending_address_replaces_its_link(facilitator, db):
    first = invitations.invite_people(facilitator, ["ana@example.com"], link_for=lambda t: t)
    old_token = first.invited[0][1]
    second = invitations.invite_people(facilitator, ["ana@example.com"], link_for=lambda t: t)
    new_token = second.invited[0][1]
    assert db.session.scalar(select(func.count(Invitation.id))) == 1
    with pytest.raises(NotFound):
        invitations.find_invitation(old_token)
    assert invitations.find_invitation(new_token).email == "ana@example.com"


def test_daily_invitation_allowance_is_enforced(app, facilitator, db):
    app.config["INVITES_PER_DAY"] = 3
    invitations.invite_people(facilitator, ["a@example.com", "b@example.com"], link_for=str)
    with pytest.raises(RateLimited, match="3 invitations a day; 1 is left for today"):
        invitations.invite_people(facilitator, ["c@example.com", "d@example.com"], link_for=str)
    assert db.session.scalar(select(func.count(Invitation.id))) == 2


def test_batch_size_is_limited(client, auth, app, facilitator, db):
    app.config["INVITE_BATCH_MAX"] = 2
    auth.login("fran")
    response = _invite(auth, "a@example.com b@example.com c@example.com")
    assert response.status_code == 400
    assert "Invite at most 2 people at a time" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_invitations_are_emailed_when_a_mail_server_is_configured(app, client, auth, facilitator, db):
    with SMTPServer(refuse={"gone@example.com"}) as smtp:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        auth.login("fran")
        response = _invite(auth, "ana@example.com, gone@example.com")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["ana@example.com"]
    assert "fran invites you" in message["Subject"]
    link = re.search(r"http://localhost/invite/\S+", message.get_payload(decode=True).decode()).group(0)
    assert invitations.find_invitation(_token(link)).email == "ana@example.com"
    # The refused address is recorded, and its link shown for copying instead.
    gone = db.session.scalar(select(Invitation).where(Invitation.email == "gone@example.com"))
    assert "recipient refused" in gone.mail_error
    assert LINK_RE.findall(page) and len(LINK_RE.findall(page)) == 1
    assert db.session.scalar(select(Invitation).where(Invitation.email == "ana@example.com")).sent_at


def test_unreachable_mail_server_is_recorded_not_a_crash(app, client, auth, facilitator, db, caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]  # nothing listens once the socket closes
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    auth.login("fran")
    response = _invite(auth, "ana@example.com")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 could not be sent" in page
    assert len(LINK_RE.findall(page)) == 1
    invitation = db.session.scalar(select(Invitation))
    assert "ConnectionRefusedError" in invitation.mail_error
    assert invitation.sent_at is None
    assert "Invitation mail to ana@example.com failed" in caplog.text
    assert "email failed" in client.get("/invitations").get_data(as_text=True)


def test_join_via_invitation_keeps_form_errors(client, facilitator, db):
    outcome = invitations.invite_people(facilitator, ["ana@example.com"], link_for=lambda t: t)
    path = "/invite/" + outcome.invited[0][1]
    response = client.post(path, data={"username": "ana", "email": "ana@example.com", "password": "short",
                                       "csrf_token": csrf_token(client, path)})
    assert response.status_code == 400
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(Invitation)).accepted_at is None
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_joining_by_the_open_form_with_an_invited_address_counts_as_accepted(client, facilitator, db):
    invitations.invite_people(facilitator, ["ana@example.com"], link_for=str)
    response = client.post("/join", data={"username": "ana", "email": "Ana@Example.com",
                                          "password": "a long quiet river", "csrf_token": csrf_token(client, "/join")})
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert invitation.accepted_at is not None and invitation.accepted_user.username == "ana"


def test_upload_that_is_not_a_csv_file_is_refused(client, auth, facilitator, db):
    auth.login("fran")
    response = _invite(auth, csv_bytes=b"\x89PNG\r\n", filename="photo.png")
    assert response.status_code == 400
    assert "Upload a .csv or .txt file." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_invitation_form_is_rate_limited(app, db, facilitator, database_uri, tmp_path):
    from community import create_app
    from community.extensions import limiter
    from tests.conftest import AuthActions, _test_config

    limited = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_uri,
                          "SEARCH_INDEX_DIR": str(tmp_path / "limited-index"), "RATELIMIT_ENABLED": True})
    try:
        with limited.app_context():
            client = limited.test_client()
            AuthActions(client).login("fran")
            token = csrf_token(client, "/invitations")
            statuses = [client.post("/invitations", data={"emails": "", "csrf_token": token}).status_code
                        for _ in range(20)]
            assert statuses == [400] * 20
            response = client.post("/invitations", data={"emails": "ana@example.com", "csrf_token": token})
            assert response.status_code == 429
            assert "Slow down a little" in response.get_data(as_text=True)
    finally:
        limiter.enabled = False
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
