"""Security from the first line: headers, cookies, CSRF, open redirects, SQL and template injection, rate limits."""
import re
from urllib.parse import unquote, urlsplit

import pytest
from markupsafe import escape

from community import create_app
from community.auth import actions
from community.auth.models import User
from community.auth.views import safe_next
from community.extensions import db as _db
from community.extensions import limiter
from tests.conftest import SHARED, _test_config, csrf_token

SECURITY = SHARED / "data" / "security"
OPEN_REDIRECTS = sorted((SECURITY / "open-redirect" / "payloadsallthethings").glob("*.txt"))
SQLI = SECURITY / "sqli" / "combined" / "sqli-payloads-unique.txt"
SSTI = SECURITY / "ssti" / "payloadsallthethings" / "ssti.fuzz.txt"
BIO_RE = re.compile(r'<section class="bio prose" aria-label="About">(.*?)</section>', re.S)


def _lines(path, errors="strict"):
    return [line.rstrip("\r\n") for line in path.read_text(encoding="utf-8", errors=errors).splitlines()
            if line.strip()]


def _same_site(location):
    """A Location a browser resolves on this site: a path, never //host, /\\host or scheme:."""
    return (location.startswith("/") and not location.startswith("//") and not location.startswith("/\\")
            and not urlsplit(location).scheme and not urlsplit(location).netloc)


# --- headers and cookies ---------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/login", "/members"])
def test_pages_carry_a_strict_content_security_policy_and_frame_protection(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests


def test_people_pages_have_no_inline_script_style_or_handlers(client, auth, facilitator):
    auth.login("fran")
    for path in ["/login", "/join", "/members", "/u/fran", "/u/fran/edit", "/settings/password", "/invitations"]:
        html = client.get(path).get_data(as_text=True) if path not in ("/login", "/join") else None
        if html is None:
            anonymous = client.application.test_client()
            html = anonymous.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), path
        assert not re.search(r"\sstyle\s*=", html), path
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), path


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, member):
    response = auth.login("maria")
    session_cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie


def test_cookies_are_secure_and_hsts_is_sent_when_configured_for_https(database_uri, _schema, tmp_path):
    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_uri,
                      "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                      "SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True})
    client = app.test_client()
    response = client.get("/login", base_url="https://localhost")
    session_cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# --- CSRF -------------------------------------------------------------------------------

def test_login_and_join_without_csrf_token_are_rejected(client, member, db):
    client.get("/login")
    response = client.post("/login", data={"login": "maria", "password": "correct horse battery"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert "data-user-id" not in client.get("/").get_data(as_text=True)
    response = client.post("/join", data={"username": "newbie", "email": "n@example.com",
                                          "password": "a long quiet river"})
    assert response.status_code == 400
    assert actions.find_member("newbie") is None


def test_signed_in_posts_without_csrf_token_are_rejected(client, auth, admin, member, db):
    auth.login("ada")
    attempts = [
        ("/u/maria/edit", {"display_name": "Forged"}),
        ("/settings/password", {"current_password": "correct horse battery", "new_password": "forged password x",
                                "confirm": "forged password x"}),
        ("/invitations", {"emails": "victim@example.com"}),
        ("/u/maria/role", {"role": "admin"}),
        ("/logout", {}),
    ]
    for path, data in attempts:
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert "CSRF" in response.get_data(as_text=True), path
    db.session.expire_all()
    maria = actions.find_member("maria")
    assert maria.display_name == "" and maria.role == "member"
    assert actions.authenticate("ada", "correct horse battery") is not None
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 2
    assert "data-user-id" in client.get("/").get_data(as_text=True)  # the forged sign-out did nothing


def test_a_token_from_another_session_is_rejected(app, client, auth, member):
    stranger = app.test_client()
    foreign_token = csrf_token(stranger, "/login")
    auth.login("maria")
    response = client.post("/u/maria/edit", data={"display_name": "Forged", "csrf_token": foreign_token})
    assert response.status_code == 400
    assert actions.find_member("maria").display_name == ""


# --- open redirects -------------------------------------------------------------------------

def _redirect_payloads():
    payloads = []
    for path in OPEN_REDIRECTS:
        payloads.extend(_lines(path))
    return payloads


def test_open_redirect_corpus_never_leaves_the_site(app):
    payloads = _redirect_payloads()
    assert len(payloads) > 250
    with app.test_request_context():
        for payload in payloads:
            # As sent, and once more percent-decoded (as when the payload is pasted raw into the URL).
            for candidate in (payload, unquote(payload)):
                target = safe_next(candidate)
                assert _same_site(target), (candidate, target)
                assert target in ("/", candidate)  # followed as given, or replaced by the home page


def test_safe_next_keeps_ordinary_local_paths(app):
    with app.test_request_context():
        assert safe_next("/t/12/a-thread?page=2#post-30") == "/t/12/a-thread?page=2#post-30"
        assert safe_next("/members?q=%C3%A9") == "/members?q=%C3%A9"
        assert safe_next("https://evil.example/") == "/"
        assert safe_next("/%2F%2Fevil.example") == "/"
        assert safe_next("/\t/evil.example") == "/"


def test_login_with_hostile_next_redirects_within_the_site(app, client, auth, member):
    payloads = _redirect_payloads()
    # Each sign-in hashes a password, so a sample goes through the real form; safe_next sees every line above.
    sample = payloads[::20] + [p for p in payloads if p.startswith(("//", "/\\", "http", "javascript"))][:10]
    for payload in sample:
        token = csrf_token(client, "/login")
        response = client.post("/login", query_string={"next": payload},
                               data={"login": "maria", "password": "correct horse battery", "csrf_token": token})
        assert response.status_code == 302, payload
        assert _same_site(response.headers["Location"]), (payload, response.headers["Location"])
        auth.logout()
    token = csrf_token(client, "/login")
    response = client.post("/login?next=/members", data={"login": "maria", "password": "correct horse battery",
                                                          "csrf_token": token})
    assert response.headers["Location"] == "/members"


# --- SQL injection ------------------------------------------------------------------------

def test_sqli_corpus_through_login_never_signs_in_or_errors(client, member):
    payloads = _lines(SQLI, errors="replace")
    assert len(payloads) > 1500
    token = csrf_token(client, "/login")
    for payload in payloads:
        # The login field reaches the query; with maria's real password, any payload that found her would
        # sign in. (Pairing "maria" with each payload would only time the password hash 1,700 times.)
        for login, password in ((payload, payload), (payload, "correct horse battery")):
            response = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
            # 429: a payload repeated in other cases ("OR 1=1", "or 1=1") reached five failures and is paused.
            assert response.status_code in (400, 429), (login, password, response.status_code)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_sqli_corpus_through_directory_filters_never_errors(client, make_member):
    make_member("maria")
    for payload in _lines(SQLI, errors="replace"):
        response = client.get("/members", query_string={"interest": payload, "q": payload})
        assert response.status_code == 200, payload
        if payload[:40].strip():
            # Maria has no interests, so no filter value can list her: a tautology would.
            assert "@maria" not in response.get_data(as_text=True), payload


# --- template injection --------------------------------------------------------------------

def test_ssti_corpus_in_bio_and_display_name_is_shown_literally(client, auth, member):
    auth.login("maria")
    token = csrf_token(client, "/u/maria/edit")
    for payload in _lines(SSTI):
        display_name = payload if len(payload) <= 60 else ""
        response = client.post("/u/maria/edit", data={"display_name": display_name, "bio": payload,
                                                       "location": "", "interests": "", "csrf_token": token})
        assert response.status_code == 302, payload
        page = client.get("/u/maria").get_data(as_text=True)
        maria = actions.find_member("maria")
        assert maria.bio_source == payload.strip()
        bio = BIO_RE.search(page).group(1)
        assert bio == maria.bio_html, payload  # what was stored is what is shown, nothing re-evaluated
        if display_name:
            assert str(escape(" ".join(display_name.split()))) in page, payload


def test_template_expression_in_profile_stays_as_typed(client, auth, member):
    auth.login("maria")
    # One expression per paragraph, so Markdown emphasis (a pair of "*") cannot join them.
    auth.post("/u/maria/edit", {"display_name": "{{7*7}}", "bio": "{{7*7}}\n\n{% print(7+7) %}\n\n${7*7}",
                                "location": "{{ config }}", "interests": "{{7*7}}"})
    page = client.get("/u/maria").get_data(as_text=True)
    bio = BIO_RE.search(page).group(1)
    assert "<p>{{7*7}}</p>" in bio and "<p>{% print(7+7) %}</p>" in bio and "<p>${7*7}</p>" in bio
    assert "49" not in bio and "14" not in bio
    assert "<h1>{{7*7}}" in page
    assert "{{ config }}" in page and "SECRET_KEY" not in page
    members = client.get("/members").get_data(as_text=True)
    assert "{{7*7}}" in members and ">49<" not in members


# --- rate limiting --------------------------------------------------------------------------

def test_login_is_rate_limited_to_ten_a_minute_with_the_site_styled_page(database_uri, _schema, tmp_path):
    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_uri,
                      "SEARCH_INDEX_DIR": str(tmp_path / "index"), "RATELIMIT_ENABLED": True})
    try:
        with app.app_context():
            client = app.test_client()
            token = csrf_token(client, "/login")
            # A different name each time: five wrong passwords for one name pause it (auth/backoff.py).
            statuses = [client.post("/login", data={"login": f"nobody{n}", "password": "wrong password",
                                                    "csrf_token": token}).status_code for n in range(10)]
            assert statuses == [400] * 10
            limited = client.post("/login", data={"login": "nobody", "password": "wrong password", "csrf_token": token})
            assert limited.status_code == 429
            page = limited.get_data(as_text=True)
            assert "Slow down a little" in page
            assert "/static/css/site.css" in page  # the site's own page, not a bare error
            assert "Retry-After" in limited.headers
            assert client.get("/login").status_code == 200  # reading the form is not limited
            _db.session.remove()
    finally:
        limiter.enabled = False


def test_untrusted_host_gets_the_site_styled_400_page(app, client):
    app.config.update(TRUSTED_HOSTS=["localhost"])
    response = client.get("/", base_url="http://attacker.example")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "make sense</h1>" in page and 'href="/static/' in page and 'href="/categories"' in page
    assert "//attacker.example" not in page and "host.invalid" not in page  # links are paths, naming no host
    assert "Content-Security-Policy" in response.headers

    asked_for_json = client.get("/", base_url="http://attacker.example", headers={"Accept": "application/json"})
    assert asked_for_json.status_code == 400 and "error" in asked_for_json.get_json()
    assert client.get("/", base_url="http://localhost").status_code == 200
