"""Password reset by email, through the real HTTP flow and a real SMTP server."""
import re
import time

import pytest
from itsdangerous import TimestampSigner

from community.extensions import db as _db
from community.extensions import limiter
from tests.auth.smtp_server import SMTPServer
from tests.conftest import DEFAULT_PASSWORD, AuthActions, csrf_token

LINK_RE = re.compile(r"http://localhost/password/reset/\S+")
NEW_PASSWORD = "a new quiet river bend"


@pytest.fixture
def smtp(app):
    with SMTPServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, SITE_URL="http://localhost")
        yield server


def _ask(client, login):
    response = client.post("/password/forgot", data={"login": login,
                                                     "csrf_token": csrf_token(client, "/password/forgot")})
    response.close()  # as a server does once the answer is written: the reset mail goes out then
    return response


def _closed(response):
    response.close()
    return response


def _body(message):
    return message.get_payload(decode=True).decode()


def _link(smtp):
    (recipients, message), = smtp.messages
    return recipients, LINK_RE.search(_body(message)).group(0)


def _path(link):
    return link.replace("http://localhost", "")


def _set(client, link, password=NEW_PASSWORD, confirm=None):
    path = _path(link)
    return client.post(path, data={"password": password, "confirm": password if confirm is None else confirm,
                                   "csrf_token": csrf_token(client, path)})


def _change_in_settings(client, new="changed by hand today"):
    """Sign maria in and change her password the ordinary way, knowing the current one."""
    auth = AuthActions(client)
    auth.login("maria")
    response = auth.post("/settings/password", {"current_password": DEFAULT_PASSWORD, "new_password": new,
                                                "confirm": new})
    assert response.status_code == 302
    return auth


def _signed_in_as(client):
    match = re.search(r"/u/([A-Za-z0-9_]+)$", client.get("/me").headers.get("Location", ""))
    return match.group(1) if match else None


def test_login_page_links_to_the_reset_form(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot password?" in page


def test_member_resets_password_from_the_emailed_link(client, member, smtp):
    response = _ask(client, "Maria@Example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/password/forgot/sent"
    assert "Check your email" in client.get("/password/forgot/sent").get_data(as_text=True)
    recipients, link = _link(smtp)
    assert recipients == ["maria@example.com"]
    assert smtp.messages[0][1]["Subject"] == "Reset your Tummler password"
    assert "It works once and for 1 hour:" in _body(smtp.messages[0][1])

    form = client.get(_path(link))
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
    response = _set(client, link)
    assert response.status_code == 302
    assert "every other device" in client.get(response.headers["Location"]).get_data(as_text=True).lower()
    assert _signed_in_as(client) == "maria"

    # The notice went to the same address, and only the new password works from now on.
    recipients, notice = smtp.messages[1]
    assert recipients == ["maria@example.com"] and notice["Subject"] == "Your Tummler password was changed"
    assert "/password/forgot" in _body(notice)
    AuthActions(client).logout()
    assert AuthActions(client).login("maria", DEFAULT_PASSWORD).status_code == 400
    assert AuthActions(client).login("maria", NEW_PASSWORD).status_code == 302


def test_username_works_as_well_as_email(client, member, smtp):
    _ask(client, "maria")
    assert _link(smtp)[0] == ["maria@example.com"]


def test_unknown_account_gets_the_same_answer_and_no_mail(client, member, smtp):
    known = _ask(client, "maria@example.com")
    unknown = _ask(client, "nobody@example.com")
    assert (unknown.status_code, unknown.headers["Location"]) == (known.status_code, known.headers["Location"])
    assert len(smtp.messages) == 1
    assert client.get(unknown.headers["Location"]).get_data(as_text=True) == \
        client.get(known.headers["Location"]).get_data(as_text=True)


def test_suspended_account_gets_no_link(client, make_member, smtp):
    from community.database import utcnow

    make_member("sam", suspended_at=utcnow())
    assert _ask(client, "sam").status_code == 302
    assert smtp.messages == []


def test_reset_link_works_once(client, member, smtp):
    _ask(client, "maria")
    _, link = _link(smtp)
    assert _set(client, link).status_code == 302
    AuthActions(client).logout()
    again = client.get(_path(link))
    assert again.status_code == 400
    assert "used already" in again.get_data(as_text=True)
    assert _set(client, link, "yet another long phrase").status_code == 400
    assert AuthActions(client).login("maria", NEW_PASSWORD).status_code == 302


def test_expired_link_is_refused(client, member, smtp, monkeypatch):
    issued = int(time.time()) - 3601  # the link was mailed an hour and a second ago
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued)
    _ask(client, "maria")
    monkeypatch.undo()
    _, link = _link(smtp)
    response = client.get(_path(link))
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert _set(client, link).status_code == 400
    assert AuthActions(client).login("maria", DEFAULT_PASSWORD).status_code == 302


def test_link_dies_when_the_password_is_changed_another_way(client, member, smtp):
    _ask(client, "maria")
    _, link = _link(smtp)
    auth = _change_in_settings(client)
    auth.logout()
    response = client.get(_path(link))
    assert response.status_code == 400 and "password has changed" in response.get_data(as_text=True)


def test_tampered_link_is_refused(client, member, smtp):
    _ask(client, "maria")
    _, link = _link(smtp)
    assert client.get(_path(link)[:-3] + "abc").status_code == 400
    assert client.get("/password/reset/" + "x" * 1000).status_code == 400


def test_weak_password_keeps_the_form_with_an_error(client, member, smtp):
    _ask(client, "maria")
    _, link = _link(smtp)
    for password, confirm, error in (("short", None, "at least 10 characters"),
                                     ("maria-is-my-name", None, "shouldn&#39;t contain your username"),
                                     ("a fine long phrase", "another long phrase", "don&#39;t match")):
        response = _set(client, link, password, confirm)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert error in page and "Choose a new password" in page
    assert _set(client, link).status_code == 302  # the link still works after the refusals


def test_reset_ends_every_other_session(app, client, member, smtp):
    other = app.test_client()
    AuthActions(other).login("maria", remember=True)
    assert _signed_in_as(other) == "maria"
    _ask(client, "maria")
    _, link = _link(smtp)
    assert _set(client, link).status_code == 302
    assert _signed_in_as(client) == "maria"
    assert _signed_in_as(other) is None
    other.delete_cookie("session")  # nor does the remember-me cookie alone sign it in again
    assert _signed_in_as(other) is None


def test_forms_need_a_csrf_token(client, member, smtp):
    assert client.post("/password/forgot", data={"login": "maria"}).status_code == 400
    assert smtp.messages == []
    _ask(client, "maria")
    _, link = _link(smtp)
    response = client.post(_path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert AuthActions(client).login("maria", DEFAULT_PASSWORD).status_code == 302


def test_without_a_mail_server_the_link_is_logged_not_shown(client, member, caplog):
    response = _ask(client, "maria")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "/password/reset/" not in page
    link = LINK_RE.search(caplog.text).group(0)
    assert "no MAIL_SERVER is configured" in caplog.text
    assert _set(client, link).status_code == 302


def test_unreachable_mail_server_is_logged_with_the_same_answer(app, client, member, caplog):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port, SITE_URL="http://localhost")
    response = _ask(client, "maria")
    assert response.headers["Location"] == "/password/forgot/sent"
    assert "Password reset mail to maria@example.com failed" in caplog.text


def _limited_app(database_uri, tmp_path):
    from community import create_app
    from tests.conftest import _test_config

    return create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_uri,
                       "SEARCH_INDEX_DIR": str(tmp_path / "limited-index"), "RATELIMIT_ENABLED": True})


def test_requests_are_rate_limited_per_ip_and_per_account(app, member, database_uri, tmp_path):
    limited = _limited_app(database_uri, tmp_path)
    try:
        with limited.app_context(), SMTPServer() as smtp:
            limited.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, SITE_URL="http://localhost")
            client = limited.test_client()
            token = csrf_token(client, "/password/forgot")
            statuses = [_closed(client.post("/password/forgot", data={"login": login, "csrf_token": token}))
                        .status_code for login in ("maria", "maria@example.com", "MARIA", "maria", "nobody")]
            assert statuses == [302] * 5
            # The account got three mails however it was named; the fourth ask looked the same but sent none.
            assert len(smtp.messages) == 3
            limited_response = client.post("/password/forgot", data={"login": "maria", "csrf_token": token})
            assert limited_response.status_code == 429
            assert "Slow down a little" in limited_response.get_data(as_text=True)
            assert len(smtp.messages) == 3
            assert client.get("/password/forgot").status_code == 200
            _db.session.remove()
    finally:
        limiter.enabled = False


def test_changing_the_password_in_settings_also_mails_the_notice(client, member, smtp):
    _change_in_settings(client)
    (recipients, notice), = smtp.messages
    assert recipients == ["maria@example.com"] and notice["Subject"] == "Your Tummler password was changed"


def test_links_use_the_configured_site_address_not_the_requests_host(app, client, member, smtp):
    app.config["SITE_URL"] = "https://community.example.com/"
    forged = "http://attacker.example"  # whoever sends the request picks the Host header
    page = client.get("/password/forgot", base_url=forged).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = _closed(client.post("/password/forgot", data={"login": "maria", "csrf_token": token},
                                   base_url=forged))
    assert response.status_code == 302
    body = _body(smtp.messages[0][1])
    assert "https://community.example.com/password/reset/" in body and "attacker.example" not in body


def test_without_a_site_address_a_forged_host_gets_no_link(app, client, member, smtp, caplog):
    app.config["SITE_URL"] = None  # the operator did not set it; the request's Host header is the attacker's
    forged = "http://attacker.example"
    page = client.get("/password/forgot", base_url=forged).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/password/forgot", data={"login": "maria", "csrf_token": token}, base_url=forged)
    response.close()
    assert response.headers["Location"] == "/password/forgot/sent"
    assert not any("attacker.example" in _body(message) for _, message in smtp.messages)
    assert smtp.messages == [] and "SITE_URL" in caplog.text


def test_trusted_hosts_let_links_follow_the_request_without_a_site_address(app, client, member, smtp):
    app.config.update(SITE_URL=None, TRUSTED_HOSTS=["localhost"])
    _ask(client, "maria")
    assert _link(smtp)[0] == ["maria@example.com"]


def test_reset_mail_goes_out_after_the_answer_so_its_timing_tells_nothing(client, member, smtp):
    # Sending takes an SMTP exchange; done before answering, only askers of real accounts would wait for it.
    response = client.post("/password/forgot", data={"login": "maria",
                                                     "csrf_token": csrf_token(client, "/password/forgot")})
    assert response.status_code == 302 and smtp.messages == []
    response.close()  # the server has written the whole answer
    assert _link(smtp)[0] == ["maria@example.com"]
