"""Sign-in back-off per name, and answers that do not tell who is a member (by text, by limit or by the work done)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

import community.auth.models as auth_models
from community.auth import actions, backoff
from community.auth.models import SignInFailure, User
from community.database import utcnow
from community.extensions import db as _db
from community.extensions import limiter
from community.notifications.models import Notification
from tests.auth.smtp_server import SMTPServer
from tests.conftest import DEFAULT_PASSWORD, AuthActions, _test_config, csrf_token

PAUSED = "signing in with it is paused"


def _login(client, login, password, **headers):
    return client.post("/login", data={"login": login, "password": password,
                                       "csrf_token": csrf_token(client, "/login")}, headers=headers)


def _signed_in(client):
    return "data-user-id" in client.get("/").get_data(as_text=True)


def _end_pause(login):
    """Move a name's pause into the past, as if its window had run out."""
    _db.session.execute(update(SignInFailure).where(SignInFailure.name_hash == backoff.name_digest(login))
                        .values(paused_until=utcnow() - timedelta(seconds=1)))
    _db.session.commit()


@pytest.fixture
def limited_app(app, database_uri, tmp_path):
    """The site behind one trusted proxy with its per-address limits on: requests can come from many addresses."""
    from community import create_app

    limited = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_uri, "RATELIMIT_ENABLED": True,
                          "PROXY_FIX_X_FOR": 1, "SEARCH_INDEX_DIR": str(tmp_path / "limited-index")})
    yield limited
    limiter.enabled = False
    with limited.app_context():
        _db.session.remove()
        _db.engine.dispose()


# --- the back-off -------------------------------------------------------------------------------------------

def test_thirty_wrong_passwords_from_thirty_addresses_then_the_right_one_does_not_sign_in(limited_app, member):
    client = limited_app.test_client()
    statuses = [_login(client, "maria", f"guess number {n}", **{"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                for n in range(1, 31)]
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}  # paused after the fifth, whatever the address
    response = _login(client, "maria", DEFAULT_PASSWORD, **{"X-Forwarded-For": "198.51.100.31"})
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and not _signed_in(client)
    assert PAUSED in page and re.search(r"Try again in \d+ seconds", page)
    assert 'value="maria"' in page  # what was typed is kept
    assert 25 <= int(response.headers["Retry-After"]) <= 30


def test_the_pause_grows_with_each_failure_and_the_right_password_ends_the_streak(app, client, member):
    waits = []
    for _ in range(3):
        for _ in range(5 if not waits else 1):
            _login(client, "maria", "not the password")
        waits.append(int(_login(client, "maria", "not the password").headers["Retry-After"]))
        _end_pause("maria")
    assert waits[0] <= 30 < waits[1] <= 60 < waits[2] <= 120  # doubling: 30 s, 60 s, 120 s
    assert _login(client, "maria", DEFAULT_PASSWORD).status_code == 302  # the window passed: the owner is in
    assert _db.session.get(SignInFailure, backoff.name_digest("maria")) is None
    AuthActions(client).logout()
    assert _login(client, "maria", "one more slip").status_code == 400  # a fresh streak: no pause yet


def test_the_pause_never_exceeds_the_cap(app):
    assert backoff.pause_seconds(4) == 0 and backoff.pause_seconds(5) == 30
    assert backoff.pause_seconds(500) == app.config["SIGN_IN_PAUSE_MAX_SECONDS"] == 3600


def test_unknown_names_pause_exactly_like_members_names(client, member):
    answers = {}
    for name in ("maria@example.com", "nobody@example.com"):
        for _ in range(5):
            _login(client, name, "not the password")
        response = _login(client, name, "not the password")
        page = response.get_data(as_text=True).replace(name, "NAME")
        # Only the CSRF token's signature time and the seconds left may differ between two answers.
        page = re.sub(r'(csrf[-_]token"? (?:type="hidden" value|content)=")[^"]+', r"\1", page)
        answers[name] = (response.status_code, re.sub(r"Try again in \d+ seconds", "Try again in N seconds", page))
    assert answers["maria@example.com"][0] == answers["nobody@example.com"][0] == 429
    assert answers["maria@example.com"][1] == answers["nobody@example.com"][1]
    # Pausing maria's email says nothing about her username (and so does not link the two).
    assert _login(client, "maria", "not the password").status_code == 400


def test_the_member_is_told_when_signing_in_with_their_name_pauses(app, client, member):
    with SMTPServer() as smtp:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, SITE_URL="http://localhost")
        for _ in range(7):
            _login(client, "maria@example.com", "not the password").close()
        notes = _db.session.scalars(_db.select(Notification).filter_by(user_id=member.id, kind="account")).all()
        assert len(notes) == 1 and "5 wrong passwords" in notes[0].text and "email address" in notes[0].text
        (recipients, message), = smtp.messages
    assert recipients == ["maria@example.com"] and message["Subject"] == "Wrong passwords were tried on your Tummler account"
    AuthActions(client).login("maria")  # by username: only her email is paused
    assert "Someone tried 5 wrong passwords" in client.get("/notifications/").get_data(as_text=True)


def test_a_password_reset_ends_a_pause_strangers_caused(app, client, member):
    for _ in range(6):
        _login(client, "maria", "not the password")
    assert _login(client, "maria", DEFAULT_PASSWORD).status_code == 429
    from community.auth import reset

    token = reset.make_token(member)
    path = f"/password/reset/{token}"
    response = client.post(path, data={"password": "a fresh long phrase", "confirm": "a fresh long phrase",
                                       "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and _signed_in(client)
    AuthActions(client).logout()
    assert _login(client, "maria", "a fresh long phrase").status_code == 302


# --- no oracle in the work done -----------------------------------------------------------------------------

def _count_calls(monkeypatch, name):
    calls = []
    real = getattr(auth_models, name)
    monkeypatch.setattr(auth_models, name, lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    return calls


def test_an_unknown_name_costs_a_password_hash_like_a_member(app, member, monkeypatch):
    checks = _count_calls(monkeypatch, "check_password_hash")
    assert actions.authenticate("maria", "not the password") is None
    assert actions.authenticate("nobody-at-all", "not the password") is None
    assert actions.authenticate("nobody@example.com", "not the password") is None
    assert len(checks) == 3


def test_joining_with_an_email_in_use_hashes_the_password_like_a_new_account(client, member, monkeypatch):
    hashes = _count_calls(monkeypatch, "generate_password_hash")
    response = client.post("/join", data={"username": "newcomer", "email": "maria@example.com",
                                          "password": "a long quiet river", "csrf_token": csrf_token(client, "/join")})
    assert response.status_code == 400 and "exists already" in response.get_data(as_text=True)
    assert len(hashes) == 1


# --- joining says an address is in use only when nothing else is wrong ------------------------------------

def test_an_email_in_use_is_mentioned_only_once_everything_else_is_right(client, member):
    response = client.post("/join", data={"username": "newcomer", "email": "MARIA@example.com", "password": "short",
                                          "csrf_token": csrf_token(client, "/join")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Use at least 10 characters" in page and "exists already" not in page
    assert _db.session.scalar(_db.select(User.id).filter_by(username="newcomer")) is None


def test_asking_whether_an_email_is_in_use_costs_a_sign_up_but_mistakes_do_not(limited_app, member):
    client = limited_app.test_client()

    def join(email, password):
        return client.post("/join", data={"username": "newcomer", "email": email, "password": password,
                                          "csrf_token": csrf_token(client, "/join")}).status_code

    assert [join("newcomer@example.com", "short") for _ in range(6)] == [400] * 6  # mistakes: free
    assert [join("maria@example.com", "a long quiet river") for _ in range(5)] == [400] * 5  # "in use": 5 allowed
    assert join("someone@example.com", "a long quiet river") == 429  # the address's sign-ups are spent
