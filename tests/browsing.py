"""Helpers for tests that drive Debian's Chromium with Playwright."""
import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def sign_in(page, base_url, username, password):
    page.goto(base_url + "/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def watch_csp(page):
    """Collect the page's Content Security Policy violations into page.csp_errors."""
    page.csp_errors = []
    page.on("console", lambda msg: page.csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return page


def wait_for_live_socket(page, settle_ms=500):
    """Wait until live.js's /live socket is connected, then let its first events (joining rooms) land.

    Polled from here: wait_for_function polls by evaluating a string, which the site's CSP forbids."""
    for _ in range(100):
        if page.evaluate("window.tummlerLive !== undefined && window.tummlerLive.connected"):
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the /live socket did not connect")
    page.wait_for_timeout(settle_ms)
