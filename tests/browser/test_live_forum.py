"""In a real browser: a reply shows up on another member's open thread page without reload, and the bell counts it."""
import pytest

from tests.browsing import sign_in
from tests.servers import prepare_database, running_server, server_env

SEED = """
from community.auth.actions import register_member
from community.forum.actions import create_category, create_thread
olga = register_member("olga", "olga@example.com", "password-olga-1", skip_strength_check=True)
bob = register_member("bob", "bob@example.com", "password-bob-1", skip_strength_check=True)
category = create_category("Product Q&A")
create_thread(olga, category, "Kettle light keeps blinking", "Blue light blinks after descaling. Ideas?")
"""


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    instance = tmp_path_factory.mktemp("live-site")
    env = server_env(instance, DATABASE_URL=f"sqlite:///{instance / 'site.db'}",
                     SEARCH_INDEX_DIR=instance / "index")
    prepare_database(env, SEED)
    with running_server(env) as base_url:
        yield base_url


def test_reply_appears_live_on_an_open_thread_page(browser, live_site):
    olga_context, bob_context = browser.new_context(), browser.new_context()
    try:
        olga, bob = olga_context.new_page(), bob_context.new_page()
        csp_errors = []
        olga.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
        sign_in(olga, live_site, "olga", "password-olga-1")
        sign_in(bob, live_site, "bob", "password-bob-1")
        olga.goto(live_site + "/t/1")
        olga.wait_for_function("window.io !== undefined")
        olga.wait_for_timeout(500)  # let the socket connect and join the thread's room
        bob.goto(live_site + "/t/1")
        bob.fill("textarea[name=body]", "Hold the **switch** for ten seconds, @olga. <img src=x onerror=alert(1)>")
        bob.click("form.composer button[type=submit]")
        olga.wait_for_selector("#post-2 strong", timeout=10000)
        assert olga.inner_text("#post-2 strong") == "switch"
        assert olga.locator("#post-2 img[onerror]").count() == 0
        olga.wait_for_selector("[data-live-count]:not([hidden])", timeout=10000)
        assert olga.inner_text("[data-live-count]") == "1"
        assert csp_errors == []
    finally:
        olga_context.close()
        bob_context.close()
