"""At phone width (390 px) every section of the main navigation can be reached, with or without JavaScript."""
import pytest

from tests.browser.conftest import ROLE_USERS
from tests.browsing import watch_csp

expect = pytest.importorskip("playwright.sync_api").expect

PHONE = {"width": 390, "height": 844}
SECTIONS = {
    "visitor": {"Latest", "Categories", "Ideas", "Members", "Search", "Sign in", "Join"},
    "member": {"Latest", "Categories", "Ideas", "Members", "Search", "Chat", "Sign out"},
    "facilitator": {"Chat", "Review", "Floor", "Search", "Sign out"},
    "product manager": {"Chat", "Floor", "Search", "Sign out"},
    "admin": {"Chat", "Review", "Floor", "Search", "Sign out"},
}
# Pages each role visits often, for the sideways-scrolling check.
PAGES = {
    "visitor": ["/", "/categories", "/t/{long_thread}", "/search?q=descale", "/members", "/join"],
    "member": ["/", "/t/{long_thread}", "/notifications/", "/chat/", "/u/maria_k/edit", "/new"],
    "facilitator": ["/floor/", "/mod/queue", "/floor/members/{maria_id}/notes", "/mod/threads/{long_thread}"],
    "product manager": ["/ideas", "/mod/audit", "/floor/"],
    "admin": ["/floor/settings", "/mod/audit"],
}


def _nav_items(page):
    """The main navigation's links and buttons other than the menu button, by their visible names."""
    items = page.locator(".site-nav a, .site-nav button:not([data-menu-toggle])")
    return {" ".join(items.nth(i).inner_text().split()) or items.nth(i).get_attribute("href"): items.nth(i)
            for i in range(items.count())}


def _on_screen(locator):
    """Visible and wholly inside the 390 px wide viewport (not scrolled away inside a strip)."""
    box = locator.bounding_box() if locator.is_visible() else None
    return box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.parametrize("role", list(SECTIONS))
def test_every_section_is_reachable_at_phone_width(new_context, demo_site, role):
    page = watch_csp(new_context(ROLE_USERS.get(role), viewport=PHONE, is_mobile=True).new_page())
    page.goto(demo_site.url("/"))
    items = _nav_items(page)
    assert SECTIONS[role] <= set(items), f"{role} is missing {SECTIONS[role] - set(items)}"
    hidden = sorted(name for name, item in items.items() if not _on_screen(item))
    if hidden:
        toggle = page.get_by_role("button", name="Menu")
        assert _on_screen(toggle), f"{hidden} are off screen and there is no menu button"
        assert toggle.get_attribute("aria-expanded") == "false"
        menu = page.locator("#" + toggle.get_attribute("aria-controls"))
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        still_hidden = [name for name in hidden if not _on_screen(items[name])]
        assert still_hidden == [], f"the menu does not show {still_hidden}"
        assert all(menu.locator(f"a:text-is('{name}')").count() == 1 for name in hidden)

    paths = [p.format(long_thread=demo_site.long_threads[0], maria_id=demo_site.maria_id) for p in PAGES[role]]
    for path in paths:
        page.goto(demo_site.url(path))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{path} scrolls sideways"
    assert page.csp_errors == []


def test_menu_button_folds_the_sections_and_escape_closes_it(new_context, demo_site):
    page = new_context("fran", viewport=PHONE, is_mobile=True).new_page()
    page.goto(demo_site.url("/"))
    toggle = page.get_by_role("button", name="Menu")
    floor = page.locator(".site-nav a", has_text="Floor")
    expect(floor).to_be_hidden()  # folded away until asked for, so the page starts near the top
    toggle.click()
    expect(floor).to_be_visible()
    floor.focus()
    page.keyboard.press("Escape")
    expect(floor).to_be_hidden()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.hasAttribute('data-menu-toggle')")
    toggle.click()
    floor.click()
    expect(page).to_have_url(demo_site.url("/floor/"))


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}], ids=["phone", "desktop"])
def test_without_javascript_every_section_is_on_screen(new_context, demo_site, viewport):
    page = new_context("ada", viewport=viewport, java_script_enabled=False).new_page()
    page.goto(demo_site.url("/"))
    items = _nav_items(page)
    assert SECTIONS["admin"] <= set(items)
    off_screen = sorted(name for name, item in items.items()
                        if not (item.is_visible() and item.bounding_box()["x"] + item.bounding_box()["width"]
                                <= viewport["width"]))
    assert off_screen == []
    assert page.get_by_role("button", name="Menu").is_hidden()  # it would do nothing without its script
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
