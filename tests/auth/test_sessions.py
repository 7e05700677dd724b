"""Signed-in devices: signing out ends that device's session for good; one device or every one can be ended."""
import re

from flask import g
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from community import create_app
from community import sockets as sockets_module
from community.auth import sessions
from community.extensions import db as _db
from tests.conftest import AuthActions, _test_config, csrf_token
from tests.querycount import counted_queries

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Safari/537.36")


def _signed_in_as(client):
    match = re.search(r'data-user-id="(\d+)"', client.get("/").get_data(as_text=True))
    return int(match.group(1)) if match else None


def _browser(app, username=None, user_agent=None, remember=False):
    client = app.test_client()
    if user_agent:
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    if username:
        AuthActions(client).login(username, remember=remember)
    return client


def _copy(app, client, *names):
    """A new browser holding copies of some of this one's cookies (what a thief would take)."""
    thief = app.test_client()
    for name in names:
        thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def test_a_session_cookie_copied_before_sign_out_no_longer_signs_in(app, client, auth, member):
    auth.login("maria")
    stolen = _copy(app, client, "session")
    assert _signed_in_as(stolen) == member.id
    auth.logout()
    assert _signed_in_as(client) is None
    assert _signed_in_as(stolen) is None


def test_a_copied_cookie_gets_no_stored_member_page_after_sign_out(app, client, auth, member, make_thread):
    thread = make_thread()
    auth.login("maria")
    for _ in range(2):  # the second view is answered from the members' stored skeleton (forum/member_pages.py)
        assert 'data-user-id="%d"' % member.id in client.get(f"/t/{thread.id}").get_data(as_text=True)
    stolen = _copy(app, client, "session")
    auth.logout()
    assert "data-user-id" not in stolen.get(f"/t/{thread.id}").get_data(as_text=True)


def test_a_remember_cookie_copied_before_sign_out_no_longer_signs_in(app, client, auth, member):
    auth.login("maria", remember=True)
    stolen = _copy(app, client, "remember_token")
    assert _signed_in_as(stolen) == member.id
    auth.logout()
    assert _signed_in_as(stolen) is None


def test_an_open_live_socket_ends_once_its_device_signs_out(app, socket_client, make_thread, member, monkeypatch):
    thread = make_thread()
    browser = _browser(app, "maria")
    g.pop("_login_user", None)  # the test shares one app context between clients
    live = socket_client("/live", http_client=browser)
    watch = {"thread_id": thread.id}
    assert live.emit("watch_thread", watch, namespace="/live", callback=True) == {"ok": True}
    AuthActions(browser).logout()  # the socket still presents the cookie it opened with
    g.pop("_login_user", None)
    _db.session.remove()
    now = sockets_module.time.monotonic()  # past the socket's recheck interval
    monkeypatch.setattr(sockets_module.time, "monotonic", lambda: now + sockets_module.USER_RECHECK_SECONDS + 0.1)
    reply = live.emit("watch_thread", watch, namespace="/live", callback=True)
    assert reply["ok"] is False and reply["error"]["code"] == "unauthenticated"


def test_signing_out_ends_only_that_device(app, member):
    laptop, phone = _browser(app, "maria"), _browser(app, "maria", remember=True)
    AuthActions(laptop).logout()
    assert _signed_in_as(laptop) is None
    assert _signed_in_as(phone) == member.id  # the phone was not the one signed out
    assert _signed_in_as(_copy(app, phone, "remember_token")) == member.id


def test_sign_out_everywhere_ends_every_device_and_remember_cookie(app, member):
    laptop, phone = _browser(app, "maria"), _browser(app, "maria", remember=True)
    remembered = _copy(app, phone, "remember_token")
    assert laptop.post("/settings/devices/sign-out-everywhere").status_code == 400  # no CSRF token
    assert _signed_in_as(phone) == member.id
    response = laptop.post("/settings/devices/sign-out-everywhere",
                           data={"csrf_token": csrf_token(laptop, "/settings/devices")})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "signed out on every device" in laptop.get("/login").get_data(as_text=True)
    assert [_signed_in_as(browser) for browser in (laptop, phone, remembered)] == [None, None, None]
    assert AuthActions(phone).login("maria").status_code == 302  # the password still works, of course


def test_the_devices_page_lists_each_sign_in_and_signs_one_out(app, member):
    phone = _browser(app, "maria", FIREFOX_ANDROID)
    desk = _browser(app, "maria", CHROME_WINDOWS)
    page = desk.get("/settings/devices").get_data(as_text=True)
    assert "Firefox on Android" in page and "Chrome on Windows" in page
    assert re.search(r"Chrome on Windows</strong> <span class=\"badge\">This device", page)
    phone_row = next(d for d in sessions.devices(member) if "Android" in d.user_agent)
    response = desk.post(f"/settings/devices/{phone_row.id}/sign-out",
                         data={"csrf_token": csrf_token(desk, "/settings/devices")})
    assert response.status_code == 302
    assert _signed_in_as(phone) is None and _signed_in_as(desk) == member.id
    assert "Firefox on Android" not in desk.get("/settings/devices").get_data(as_text=True)


def test_a_member_cannot_sign_out_someone_elses_device(app, member, make_member):
    make_member("otto")
    otto, maria = _browser(app, "otto"), _browser(app, "maria")
    otto_row, = sessions.devices(_db.session.get(type(member), _signed_in_as(otto)))
    maria.post(f"/settings/devices/{otto_row.id}/sign-out", data={"csrf_token": csrf_token(maria, "/settings/devices")})
    assert _signed_in_as(otto) is not None


def test_the_own_profile_links_to_signed_in_devices(client, auth, member, make_member):
    make_member("otto")
    auth.login("maria")
    assert 'href="/settings/devices"' in client.get("/u/maria").get_data(as_text=True)
    assert 'href="/settings/devices"' not in client.get("/u/otto").get_data(as_text=True)


def test_the_session_check_is_one_query(app, client, auth, member):
    auth.login("maria")
    with client.session_transaction() as cookie_session:
        signed_in_with = cookie_session["_user_id"]
    _db.session.expunge_all()
    with counted_queries(_db) as statements:
        assert sessions.member_for_session(signed_in_with).id == member.id
    assert len(statements) == 1 and "member_sessions" in statements[0]
    assert sessions.member_for_session(signed_in_with.split(":")[0] + ":forged") is None
    assert sessions.member_for_session(f"{member.id}:{member.session_token}") is None  # the old cookie shape


def test_each_member_keeps_at_most_the_configured_number_of_devices(app, member):
    app.config["DEVICE_SESSIONS_MAX"] = 3
    browsers = [_browser(app, "maria") for _ in range(4)]
    assert len(sessions.devices(member)) == 3
    assert _signed_in_as(browsers[0]) is None and _signed_in_as(browsers[-1]) == member.id


def test_sessions_from_before_the_upgrade_stay_signed_in(tmp_path):
    """The migration gives each member seen so far a device row for the token their cookies already hold."""
    uri = f"sqlite:///{tmp_path / 'upgraded.db'}"
    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": uri, "SEARCH_INDEX_DIR": str(tmp_path / "i")})
    with app.app_context():
        upgrade(revision="ec9aa883aab6")
        engine = create_engine(uri)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, username, username_lower, email, password_hash, role, "
                              "display_name, bio_source, bio_html, location, created_at, last_seen_at, post_count, "
                              "thread_count, session_token) VALUES (7, 'old', 'old', 'old@example.com', 'x', "
                              "'member', '', '', '', '', '2026-11-01', '2026-11-30', 0, 0, 'abc123')"))
        engine.dispose()
        upgrade()
        browser = app.test_client()
        with browser.session_transaction() as cookie_session:
            cookie_session["_user_id"] = "7:abc123"  # what Flask-Login wrote before the upgrade
            cookie_session["_fresh"] = True
        assert 'data-user-id="7"' in browser.get("/").get_data(as_text=True)
        _db.session.remove()
        _db.engine.dispose()
