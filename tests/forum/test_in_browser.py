"""In Chromium: likes and quotes work in place with JavaScript, pages fit a phone, and the CSP stays quiet."""
import re

import pytest

from tests.browsing import sign_in
from tests.servers import prepare_database, running_server, server_env

SEED = """
from community.auth.actions import register_member
from community.forum.actions import create_category, create_post, create_thread
olga = register_member("olga", "olga@example.com", "password-olga-1", skip_strength_check=True)
bob = register_member("bob", "bob@example.com", "password-bob-1", skip_strength_check=True)
category = create_category("Product Q&A", colour="#2f6f4f")
thread = create_thread(olga, category, "Kettle light keeps blinking after descaling",
                       "The blue light blinks after descaling. Has anyone found a way to reset it?",
                       tags=["kettle", "descaling"])
create_post(bob, thread, "Mine did the same until I held the switch down for ten seconds.")
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    instance = tmp_path_factory.mktemp("forum-site")
    env = server_env(instance, DATABASE_URL=f"sqlite:///{instance / 'site.db'}", SEARCH_INDEX_DIR=instance / "index")
    prepare_database(env, SEED)
    with running_server(env) as base_url:
        yield base_url


def _csp_watch(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


def test_like_and_quote_work_in_place(browser, site):  # noqa: F811
    context = browser.new_context()
    try:
        page = context.new_page()
        csp_errors = _csp_watch(page)
        sign_in(page, site, "olga", "password-olga-1")
        page.goto(site + "/t/1")
        like = page.locator("#post-2 .like-button")
        like.click()
        expect = pytest.importorskip("playwright.sync_api").expect
        expect(page.locator("#post-2 .like-count")).to_have_text("1")  # no eval: the CSP forbids it
        assert like.get_attribute("aria-pressed") == "true" and page.url == site + "/t/1"

        page.click("#post-2 a.js-quote")
        expect(page.locator("#composer textarea")).to_have_value(re.compile("wrote:"))
        assert page.input_value("#composer textarea").startswith("> **@bob** wrote:")
        assert page.inner_text("[data-replying-to]") == "Replying to bob (#2)"
        page.fill("#composer textarea", page.input_value("#composer textarea") + "Thanks, that worked for me too!")
        page.click("#composer button[type=submit]")
        page.wait_for_selector("#post-3 blockquote")
        assert "in reply to bob" in page.inner_text("#post-3 .post-meta")
        assert csp_errors == []
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/", "/t/1", "/categories", "/c/product-qa/top"])
def test_pages_fit_a_phone_screen(browser, site, path):  # noqa: F811
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    try:
        page = context.new_page()
        csp_errors = _csp_watch(page)
        page.goto(site + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
        assert csp_errors == []
    finally:
        context.close()
