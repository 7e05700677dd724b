"""Rate limits as people meet them: joining, the honest 429 page, members apart behind one address, proxies."""
import math
import re

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from community import create_app
from community.auth.models import User
from community.extensions import db as _db
from community.extensions import limiter
from community.forum.stored_pages import StoredPages
from community.logs import RequestLog
from tests.auth.smtp_server import SMTPServer
from tests.conftest import AuthActions, _test_config, csrf_token

GOOD_PASSWORD = "a long quiet river"
WAIT_RE = re.compile(r"Try again in ((?:\d+ (?:hour|minute|second)s?(?: and )?)+)")
UNIT_SECONDS = {"hour": 3600, "minute": 60, "second": 1}


@pytest.fixture
def make_app(app, database_uri, tmp_path):
    """Another app on this test's database with rate limits on; overrides apply before create_app wraps it."""
    made = []

    def make(**overrides):
        new = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_uri, "RATELIMIT_ENABLED": True,
                          "SEARCH_INDEX_DIR": str(tmp_path / f"index-{len(made)}"), **overrides})
        made.append(new)
        return new

    yield make
    limiter.enabled = False  # the extension is shared with the next test's app
    for made_app in made:
        with made_app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def _join(client, username, email=None, password=GOOD_PASSWORD, **headers):
    token = csrf_token(client, "/join")
    return client.post("/join", data={"username": username, "email": email or f"{username}@example.com",
                                      "password": password, "csrf_token": token}, headers=headers)


def _wait_in_seconds(page):
    """'Try again in 1 hour and 5 minutes' -> 3900."""
    words = WAIT_RE.search(page).group(1)
    return sum(int(amount) * UNIT_SECONDS[unit] for amount, unit in re.findall(r"(\d+) (hour|minute|second)", words))


def _agrees_with_retry_after(page, response):
    """The words and the header come from the same reset time; the words round up to whole minutes."""
    said, header = _wait_in_seconds(page), int(response.headers["Retry-After"])
    smallest_unit = 1 if "second" in WAIT_RE.search(page).group(1) else 60
    return said - smallest_unit - 1 <= header <= said + 1


# --- joining ------------------------------------------------------------------------------------------------

def test_mistakes_on_the_join_form_do_not_use_up_the_sign_up_limit(make_app, member, db):
    client = make_app().test_client()
    mistakes = [("newbie", "short"), ("maria", GOOD_PASSWORD), ("newbie", "password123"), ("x", GOOD_PASSWORD),
                ("newbie", "newbie-is-my-name"), ("new bie", GOOD_PASSWORD)]
    assert [_join(client, name, "newbie@example.com", password).status_code
            for name, password in mistakes] == [400] * 6
    response = _join(client, "newbie", password=GOOD_PASSWORD)
    assert response.status_code == 302
    assert db.session.scalar(db.select(User.id).filter_by(username="newbie")) is not None


def test_the_join_form_lists_every_mistake_in_one_answer(client, member):
    response = _join(client, "maria", "not-an-email", "short")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "That username is taken." in page
    assert "doesn&#39;t look right" in page
    assert "Use at least 10 characters" in page
    # A field the form itself refuses (empty) is listed beside what the account rules say about the others.
    page = _join(client, "maria", "newbie@example.com", "").get_data(as_text=True)
    assert "This field is required." in page and "That username is taken." in page


def test_a_refused_sign_up_keeps_what_was_typed_and_says_the_real_wait(make_app):
    limited = make_app()
    for number in range(5):  # five people sharing one address join: SIGNUPS_PER_ADDRESS allows that many
        assert _join(limited.test_client(), f"joiner{number}").status_code == 302
    response = _join(limited.test_client(), "sixth_person", "sixth@example.com", "my secret phrase here")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert 'value="sixth_person"' in page and 'value="sixth@example.com"' in page
    assert "my secret phrase here" not in page  # passwords are never sent back
    assert "limited to 5 in 1 hour" in page and "what you typed is still here" in page
    assert "Wait a minute" not in page
    wait = _wait_in_seconds(page)
    assert 55 * 60 <= wait <= 60 * 60 and _agrees_with_retry_after(page, response)


def test_scripted_tries_are_paused_after_the_attempt_limit_with_the_form_kept(make_app):
    client = make_app().test_client()
    statuses = [_join(client, f"try{n}", password="short").status_code for n in range(30)]
    assert statuses == [400] * 30  # thirty mistakes are still answered, each with its reasons
    response = _join(client, "try31", password="short")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Joining is paused for your address: tries are limited to 30 in 1 hour, mistakes included." in page
    assert 'value="try31"' in page and _agrees_with_retry_after(page, response)


def test_mistakes_on_an_invitation_do_not_use_up_its_sign_up_limit_and_a_refusal_keeps_the_invitation(
        make_app, facilitator):
    from community.auth import invitations

    limited = make_app(SIGNUPS_PER_ADDRESS="1 per hour")
    client = limited.test_client()
    tokens = [invitations.invite_people(facilitator, [f"guest{n}@example.com"], link_for=lambda t: t).invited[0][1]
              for n in range(2)]

    def accept(token, username, password, email):
        path = f"/invite/{token}"
        return client.post(path, data={"username": username, "email": email, "password": password,
                                       "csrf_token": csrf_token(client, path)})

    assert [accept(tokens[0], "guest", "short", "guest0@example.com").status_code for _ in range(11)] == [400] * 11
    assert accept(tokens[0], "guest", GOOD_PASSWORD, "guest0@example.com").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    refused = accept(tokens[1], "second_guest", GOOD_PASSWORD, "guest1@example.com")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and 'value="second_guest"' in page
    assert "fran invited you" in page  # still the invitation's page
    assert "limited to 1 in 1 hour" in page


# --- the 429 page -------------------------------------------------------------------------------------------

def test_every_429_page_says_the_limit_and_the_real_wait(make_app):
    client = make_app().test_client()
    token = csrf_token(client, "/login")
    for n in range(10):
        client.post("/login", data={"login": f"nobody{n}", "password": "wrong password", "csrf_token": token})
    response = client.post("/login", data={"login": "nobody", "password": "wrong password", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Wait a minute" not in page and "10 per 1 minute" not in page
    assert "The limit here is 10 in 1 minute." in page
    assert 1 <= _wait_in_seconds(page) <= 61 and _agrees_with_retry_after(page, response)


def test_a_refusal_from_an_action_gives_its_own_wait_in_words_and_header(app, client):
    from community.errors import RateLimited

    def busy():
        raise RateLimited("This room is in slow mode.", retry_after=125)

    app.add_url_rule("/test-busy", "test_busy", busy)
    response = client.get("/test-busy")
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and response.headers["Retry-After"] == "125"
    assert "This room is in slow mode." in page and "Try again in 3 minutes." in page


# --- whose budget: members by member, visitors by their real address ------------------------------------

def _signed_in(app, username):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def test_members_behind_one_address_each_have_their_own_reply_budget(make_app, make_member, make_thread):
    alice, bob = make_member("alice"), make_member("bob")
    thread = make_thread(author=alice)
    limited = make_app()
    alice_client, bob_client = _signed_in(limited, "alice"), _signed_in(limited, "bob")  # one office, one NAT

    tokens = {client: csrf_token(client, f"/t/{thread.id}") for client in (alice_client, bob_client)}

    def reply(client, n):
        return client.post(f"/t/{thread.id}/reply", data={"body": f"Reply number {n} from here.",
                                                          "csrf_token": tokens[client]})

    assert [reply(alice_client, n).status_code for n in range(20)] == [302] * 20
    assert reply(alice_client, 21).status_code == 429  # alice has used her 20 a minute...
    assert reply(bob_client, 1).status_code == 302  # ...bob, at the same address, has all of his


def _failed_logins(client, address, times):
    """Wrong passwords for a different name each time, so only the per-address limit can refuse them."""
    token = csrf_token(client, "/login")
    return [client.post("/login", data={"login": f"nobody{n}", "password": "wrong password", "csrf_token": token},
                        headers={"X-Forwarded-For": address}).status_code for n in range(times)]


def test_behind_a_trusted_proxy_visitors_are_told_apart_by_the_forwarded_address(make_app):
    behind_proxy = make_app(PROXY_FIX_X_FOR=1).test_client()
    assert _failed_logins(behind_proxy, "203.0.113.5", 11) == [400] * 10 + [429]
    assert _failed_logins(behind_proxy, "203.0.113.6", 1) == [400]  # another visitor behind the same proxy

    # Not behind a proxy (the default): the header is the client's own say-so and changes nothing.
    direct = make_app().test_client()
    assert _failed_logins(direct, "203.0.113.5", 11) == [400] * 10 + [429]
    assert _failed_logins(direct, "203.0.113.6", 1) == [429]


def test_the_proxy_fix_is_the_outermost_layer_so_stored_pages_see_the_real_client(make_app):
    app = make_app(PROXY_FIX_X_FOR=1, PAGE_CACHE_SECONDS=60)
    assert isinstance(app.wsgi_app, ProxyFix) and isinstance(app.wsgi_app.app, RequestLog)
    assert isinstance(app.wsgi_app.app.wsgi_app, StoredPages)  # the request log between: it logs the real client
    assert not isinstance(make_app().wsgi_app, ProxyFix)


def test_behind_a_tls_proxy_mailed_links_use_the_public_scheme_and_host(make_app, member):
    app = make_app(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1, PROXY_FIX_X_HOST=1, SITE_URL=None,
                   TRUSTED_HOSTS=["community.example.com"])
    client = app.test_client()
    proxied = {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "community.example.com",
               "Referer": "https://community.example.com/password/forgot"}  # CSRF checks it over HTTPS
    with SMTPServer() as smtp:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        page = client.get("/password/forgot", headers=proxied).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/password/forgot", data={"login": "maria", "csrf_token": token}, headers=proxied)
        response.close()
        assert response.status_code == 302
        (_, message), = smtp.messages
    assert "https://community.example.com/password/reset/" in message.get_payload(decode=True).decode()
