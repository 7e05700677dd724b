"""In a real browser: a chat message appears live for another member, with presence and no CSP errors."""
import pytest

expect = pytest.importorskip("playwright.sync_api").expect

from tests.browsing import sign_in
from tests.chat.live import PASSWORD, running_chat_site


@pytest.fixture(scope="module")
def chat_site(tmp_path_factory):
    with running_chat_site(tmp_path_factory.mktemp("chat-browser")) as base_url:
        yield base_url


def test_message_appears_live_in_another_members_room_page(browser, chat_site):  # noqa: F811
    maria_context, olly_context = browser.new_context(), browser.new_context()
    try:
        maria, olly = maria_context.new_page(), olly_context.new_page()
        problems = []
        for page in (maria, olly):
            page.on("console", lambda msg: problems.append(f"{msg.text} {msg.location.get('url')}")
                    if msg.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        sign_in(maria, chat_site, "maria", PASSWORD)
        sign_in(olly, chat_site, "olly", PASSWORD)
        olly.goto(chat_site + "/chat/1")
        maria.goto(chat_site + "/chat/1")
        # Locator waits, not wait_for_function: the page's CSP forbids the eval that the latter uses.
        olly.locator("[data-chat-people] li", has_text="maria").wait_for(timeout=10000)
        maria.fill("textarea[name=body]", "Descale **monthly** <img src=x onerror=alert(1)>")
        maria.press("textarea[name=body]", "Enter")
        olly.wait_for_selector("#m-1 strong", timeout=10000)
        assert olly.inner_text("#m-1 strong") == "monthly"
        assert olly.locator("#m-1 img").count() == 0
        assert olly.inner_text("#m-1 .chat-author") == "maria"
        expect(maria.locator("textarea[name=body]")).to_have_value("", timeout=10000)
        assert maria.locator("#m-1").count() == 1  # the ack and the broadcast show it once
        maria.type("textarea[name=body]", "typing")
        olly.locator("[data-chat-typing]", has_text="maria").wait_for(timeout=10000)
        assert [p for p in problems if "/favicon.ico" not in p] == []
    finally:
        maria_context.close()
        olly_context.close()
