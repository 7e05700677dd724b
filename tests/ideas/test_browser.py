"""In a real browser: similar threads appear while composing, and a vote counts without reloading the page."""
import pytest

from tests.browsing import sign_in, wait_for_live_socket, watch_csp
from tests.servers import seeded_site

SEED = """
from community.auth.actions import register_member
from community.forum.actions import create_category, create_thread
olga = register_member("olga", "olga@example.com", "password-olga-1", skip_strength_check=True)
register_member("bob", "bob@example.com", "password-bob-1", skip_strength_check=True)
category = create_category("Billing")
create_thread(olga, category, "Annual billing option", "Let me pay once a year.", is_feature_request=True)
"""


@pytest.fixture(scope="module")
def ideas_site(tmp_path_factory):
    with seeded_site(tmp_path_factory, "ideas-site", SEED) as base_url:
        yield base_url


@pytest.fixture
def bob_page(browser, ideas_site):  # noqa: F811
    context = browser.new_context()
    page = watch_csp(context.new_page())
    sign_in(page, ideas_site, "bob", "password-bob-1")
    yield page
    context.close()


def test_composer_shows_similar_threads_while_typing(bob_page, ideas_site):
    bob_page.goto(ideas_site + "/new")
    bob_page.fill("input[name=title]", "Yearly billing please")
    bob_page.wait_for_selector("[data-similar-threads]:not([hidden]) li a", timeout=10000)
    assert bob_page.inner_text("[data-similar-list] li a") == "Annual billing option"
    assert bob_page.csp_errors == []


def test_vote_counts_without_reloading_the_page(bob_page, ideas_site):
    bob_page.goto(ideas_site + "/t/1")
    bob_page.evaluate("window.notReloaded = true")
    bob_page.click("[data-vote-button]")
    bob_page.wait_for_selector('[data-vote-button][aria-pressed="true"]', timeout=10000)
    assert " ".join(bob_page.inner_text("[data-vote-total]").split()) == "2 votes"
    assert bob_page.evaluate("window.notReloaded") is True
    bob_page.reload()
    assert bob_page.get_attribute("[data-vote-button]", "aria-pressed") == "true"
    assert bob_page.csp_errors == []


def test_a_vote_shows_on_another_members_open_page(browser, bob_page, ideas_site):
    from playwright.sync_api import expect

    context = browser.new_context()
    try:
        olga = watch_csp(context.new_page())
        sign_in(olga, ideas_site, "olga", "password-olga-1")
        olga.goto(ideas_site + "/t/1")
        wait_for_live_socket(olga)  # connected, and joined the thread's room
        olga.evaluate("window.notReloaded = true")
        before = " ".join(olga.inner_text("[data-vote-total]").split())

        bob_page.goto(ideas_site + "/t/1")
        pressed = bob_page.get_attribute("[data-vote-button]", "aria-pressed")
        bob_page.click("[data-vote-button]")
        bob_page.wait_for_selector(f'[data-vote-button][aria-pressed="{"false" if pressed == "true" else "true"}"]',
                                   timeout=10000)
        after = " ".join(bob_page.inner_text("[data-vote-total]").split())
        assert after != before
        expect(olga.locator("[data-vote-total]")).to_have_text(after, timeout=10000)
        assert olga.evaluate("window.notReloaded") is True
        assert olga.csp_errors == []
    finally:
        context.close()
