"""A refused reply on a long thread comes back at the composer (#reply): its error in view, the text kept."""
import pytest

expect = pytest.importorskip("playwright.sync_api").expect

VIEWPORTS = {"desktop": {"width": 1280, "height": 720}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_refused_short_reply_lands_on_the_composer_with_error_and_text(new_context, demo_site, viewport):
    page = new_context("maria_k", viewport=VIEWPORTS[viewport]).new_page()
    page.goto(demo_site.url(f"/t/{demo_site.long_threads[0]}"))
    assert page.evaluate("document.documentElement.scrollHeight") > 4 * VIEWPORTS[viewport]["height"]
    page.fill("#composer textarea", "+1")
    page.click("#composer button[type=submit]")

    error = page.locator("#composer .error")
    expect(error).to_contain_text("Short replies like this")
    expect(error).to_be_in_viewport()
    expect(page.locator("#composer textarea")).to_be_in_viewport()
    assert page.input_value("#composer textarea") == "+1"
    assert page.url.endswith("#reply")


def test_reply_refused_because_the_thread_was_locked_meanwhile_keeps_the_text_in_view(new_context, demo_site):
    thread_path = f"/t/{demo_site.long_threads[1]}"
    maria = new_context("maria_k", viewport=VIEWPORTS["desktop"]).new_page()
    maria.goto(demo_site.url(thread_path))
    words = "Citric acid worked for me, but only after two full boils with fresh water."
    maria.fill("#composer textarea", words)

    fran = new_context("fran").new_page()
    fran.goto(demo_site.url(f"/mod/threads/{demo_site.long_threads[1]}"))
    fran.fill("#lock-reason", "Answered; please start a new thread for new questions.")
    fran.locator("form[action$='/lock'] button[type=submit]").click()
    expect(fran.locator(".flag-locked").first).to_be_visible()

    maria.click("#composer button[type=submit]")
    error = maria.locator(".reply-area .error")
    expect(error).to_contain_text("This thread is locked")
    expect(error).to_be_in_viewport()
    expect(maria.locator("#kept-text")).to_be_in_viewport()
    assert maria.input_value("#kept-text") == words
