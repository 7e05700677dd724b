"""Joining, signing in and out, remember me, changing passwords, last seen."""
from datetime import timedelta

import pytest

from community.auth import actions
from community.auth.models import User
from community.config import Config
from community.database import utcnow
from community.errors import Invalid
from tests.conftest import DEFAULT_PASSWORD, csrf_token


def _join(client, username="newbie", email="newbie@example.com", password="a long quiet river"):
    token = csrf_token(client, "/join")
    return client.post("/join", data={"username": username, "email": email, "password": password,
                                      "csrf_token": token})


def test_joining_creates_a_member_and_signs_them_in(app, client, db):
    response = _join(client)
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(username="newbie"))
    assert user.role == "member"
    # Salted KDF hashes; production uses scrypt (tests a cheaper method so the suite stays quick).
    assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"].split(":")[0] + ":")
    assert Config.PASSWORD_HASH_METHOD == "scrypt"
    assert client.get("/").get_data(as_text=True).count('data-user-id="%d"' % user.id) == 1


def test_usernames_are_unique_whatever_their_case(client, member):
    response = _join(client, username="MARIA", email="other@example.com")
    assert response.status_code == 400
    assert "That username is taken." in response.get_data(as_text=True)


def test_emails_are_normalised_so_one_mailbox_is_one_account(client, db):
    _join(client, email="  New.Bie@Example.COM ")
    assert db.session.scalar(db.select(User.email).filter_by(username="newbie")) == "new.bie@example.com"
    with pytest.raises(Invalid, match="exists already"):
        actions.register_member("other", "NEW.BIE@example.com", "a long quiet river")


@pytest.mark.parametrize("password, message", [
    ("short", "at least 10 characters"),
    ("password123", "too easy to guess"),
    ("aaaaaaaaaaaa", "too easy to guess"),
    ("newbie-is-my-name", "shouldn&#39;t contain your username"),
])
def test_weak_passwords_are_refused_with_the_reason(client, password, message):
    response = _join(client, password=password)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="newbie"' in page  # what the person typed is kept


def test_invalid_email_is_refused_and_the_form_kept(client):
    response = _join(client, email="not-an-email")
    assert response.status_code == 400
    assert "doesn&#39;t look right" in response.get_data(as_text=True)


def test_sign_in_by_username_or_email(client, auth, member):
    assert auth.login("maria").status_code == 302
    auth.logout()
    assert auth.login("MARIA@example.com").status_code == 302


def test_wrong_password_shows_an_error_and_does_not_sign_in(client, auth, member):
    response = auth.login("maria", "not the password")
    assert response.status_code == 400
    assert "That username or password is not right." in response.get_data(as_text=True)
    assert "data-user-id" not in client.get("/").get_data(as_text=True)


def test_suspended_member_cannot_sign_in(client, auth, make_member):
    make_member("sam", suspended_at=utcnow())
    response = auth.login("sam")
    assert response.status_code == 400
    assert "suspended" in response.get_data(as_text=True)


def test_sign_out_ends_the_session(client, auth, member):
    auth.login("maria")
    response = auth.logout()
    assert response.status_code == 302
    assert "data-user-id" not in client.get("/").get_data(as_text=True)


def test_sign_out_by_get_is_not_allowed(client, auth, member):
    auth.login("maria")
    assert client.get("/logout").status_code == 405
    assert "data-user-id" in client.get("/").get_data(as_text=True)


def test_remember_me_cookie_is_httponly_lax_and_signs_in_a_new_browser(app, client, auth, member):
    response = auth.login("maria", remember=True)
    cookie_header = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert cookie_header, "no remember cookie set"
    assert "HttpOnly" in cookie_header[0]
    assert "SameSite=Lax" in cookie_header[0]
    fresh = app.test_client()
    fresh.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert f'data-user-id="{member.id}"' in fresh.get("/").get_data(as_text=True)


def test_without_remember_me_no_remember_cookie_is_set(client, auth, member):
    response = auth.login("maria")
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]


def test_changing_password_signs_out_other_sessions_and_remember_cookies(app, client, auth, member):
    other = app.test_client()
    other_auth = type(auth)(other)
    other_auth.login("maria", remember=True)
    remembered = other.get_cookie("remember_token").value
    auth.login("maria")
    response = auth.post("/settings/password", {"current_password": DEFAULT_PASSWORD,
                                                 "new_password": "a brand new phrase", "confirm": "a brand new phrase"})
    assert response.status_code == 302
    # This browser stays signed in with the new token...
    assert f'data-user-id="{member.id}"' in client.get("/").get_data(as_text=True)
    # ...the other session and its remember cookie no longer work.
    assert "data-user-id" not in other.get("/").get_data(as_text=True)
    stranger = app.test_client()
    stranger.set_cookie("remember_token", remembered)
    assert "data-user-id" not in stranger.get("/").get_data(as_text=True)
    assert actions.authenticate("maria", "a brand new phrase") is not None
    assert actions.authenticate("maria", DEFAULT_PASSWORD) is None


def test_change_password_needs_the_current_one(client, auth, member):
    auth.login("maria")
    response = auth.post("/settings/password", {"current_password": "wrong guess here",
                                                 "new_password": "a brand new phrase", "confirm": "a brand new phrase"})
    assert response.status_code == 400
    assert "Your current password is not right." in response.get_data(as_text=True)
    assert actions.authenticate("maria", DEFAULT_PASSWORD) is not None


def test_change_password_rejects_mismatched_confirmation(client, auth, member):
    auth.login("maria")
    response = auth.post("/settings/password", {"current_password": DEFAULT_PASSWORD,
                                                 "new_password": "a brand new phrase", "confirm": "another phrase!"})
    assert response.status_code == 400
    assert "don&#39;t match" in response.get_data(as_text=True)


def test_change_password_page_needs_sign_in(client):
    response = client.get("/settings/password")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_last_seen_is_written_at_most_once_per_interval(app, client, auth, member, db):
    auth.login("maria")
    first = db.session.get(User, member.id).last_seen_at
    assert first is not None
    client.get("/")
    db.session.expire_all()
    assert db.session.get(User, member.id).last_seen_at == first
    # Once the interval has passed, the next request moves it forward.
    stale = utcnow() - timedelta(seconds=app.config["LAST_SEEN_INTERVAL"] + 5)
    db.session.get(User, member.id).last_seen_at = stale
    db.session.commit()
    client.get("/")
    db.session.expire_all()
    assert db.session.get(User, member.id).last_seen_at > stale + timedelta(seconds=4)


def test_touch_last_seen_skips_the_write_within_the_interval(member):
    assert actions.touch_last_seen(member) is True
    assert actions.touch_last_seen(member) is False


def test_a_failed_last_seen_write_does_not_fail_the_page(app, client, auth, member, db, caplog):
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    auth.login("maria")
    stale = utcnow() - timedelta(hours=1)
    db.session.get(User, member.id).last_seen_at = stale
    db.session.commit()

    def refuse_user_updates(conn, cursor, statement, *args):
        if statement.startswith("UPDATE users"):
            raise OperationalError(statement, None, Exception("database is locked"))

    event.listen(db.engine, "before_cursor_execute", refuse_user_updates)
    try:
        response = client.get("/")
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse_user_updates)
    assert response.status_code == 200
    assert f'data-user-id="{member.id}"' in response.get_data(as_text=True)
    assert "Could not record last_seen_at" in caplog.text
    db.session.expire_all()
    assert db.session.get(User, member.id).last_seen_at == stale
