"""In a real browser: a facilitator's open floor says it changed when a newcomer posts their first thread."""
import pytest

from tests.browsing import sign_in
from tests.servers import prepare_database, running_server, server_env

SEED = """
from community.auth.actions import register_member
from community.forum.actions import create_category
register_member("fran", "fran@example.com", "password-fran-1", role="facilitator", skip_strength_check=True)
register_member("nina", "nina@example.com", "password-nina-1", skip_strength_check=True)
create_category("Kettles")
"""


@pytest.fixture(scope="module")
def floor_site(tmp_path_factory):
    instance = tmp_path_factory.mktemp("floor-site")
    env = server_env(instance, DATABASE_URL=f"sqlite:///{instance / 'site.db'}",
                     SEARCH_INDEX_DIR=instance / "index")
    prepare_database(env, SEED)
    with running_server(env) as base_url:
        yield base_url


def test_open_floor_shows_a_banner_when_a_newcomer_posts(browser, floor_site):
    from playwright.sync_api import expect

    fran_context, nina_context = browser.new_context(), browser.new_context()
    try:
        fran, nina = fran_context.new_page(), nina_context.new_page()
        csp_errors = []
        fran.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
        sign_in(fran, floor_site, "fran", "password-fran-1")
        sign_in(nina, floor_site, "nina", "password-nina-1")
        fran.goto(floor_site + "/floor/")
        assert fran.locator("[data-floor-live]").is_hidden()
        for _ in range(100):  # wait_for_function's polling evaluates strings, which the page's CSP forbids
            if fran.evaluate("window.tummlerLive !== undefined && window.tummlerLive.connected"):
                break
            fran.wait_for_timeout(100)
        fran.wait_for_timeout(500)  # let the socket join the floor's room
        fran.evaluate("window.notReloaded = true")

        nina.goto(floor_site + "/new")
        nina.fill("input[name=title]", "Hello, my very first question")
        nina.fill("textarea[name=body]", "How do I descale the kettle without vinegar?")
        nina.click("form.composer button[type=submit]")
        nina.wait_for_load_state()
        assert "/t/" in nina.url

        banner = fran.locator("[data-floor-live]")
        expect(banner).to_be_visible(timeout=10000)
        expect(banner).to_contain_text("The floor changed since you opened it: 1 new.")
        assert fran.title().startswith("(1 new) ")
        assert fran.evaluate("window.notReloaded") is True
        fran.click("[data-floor-live] a")
        fran.wait_for_load_state()
        assert "Hello, my very first question" in fran.inner_text("main")
        assert csp_errors == []
    finally:
        fran_context.close()
        nina_context.close()
