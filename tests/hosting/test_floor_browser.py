"""In a real browser: a facilitator's open floor says it changed when a newcomer posts their first thread."""
import pytest

from tests.browsing import sign_in, wait_for_live_socket, watch_csp
from tests.servers import seeded_site

SEED = """
from community.auth.actions import register_member
from community.forum.actions import create_category
register_member("fran", "fran@example.com", "password-fran-1", role="facilitator", skip_strength_check=True)
register_member("nina", "nina@example.com", "password-nina-1", skip_strength_check=True)
create_category("Kettles")
"""


@pytest.fixture(scope="module")
def floor_site(tmp_path_factory):
    with seeded_site(tmp_path_factory, "floor-site", SEED) as base_url:
        yield base_url


def test_open_floor_shows_a_banner_when_a_newcomer_posts(browser, floor_site):
    from playwright.sync_api import expect

    fran_context, nina_context = browser.new_context(), browser.new_context()
    try:
        fran, nina = watch_csp(fran_context.new_page()), nina_context.new_page()
        sign_in(fran, floor_site, "fran", "password-fran-1")
        sign_in(nina, floor_site, "nina", "password-nina-1")
        fran.goto(floor_site + "/floor/")
        assert fran.locator("[data-floor-live]").is_hidden()
        wait_for_live_socket(fran)  # connected, and joined the floor's room
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
        assert fran.csp_errors == []
    finally:
        fran_context.close()
        nina_context.close()
