"""The staff composer check in the page and in a real browser: highlights, the reminder and "send anyway"."""
import pytest

from tests.browsing import sign_in
from tests.servers import prepare_database, running_server, server_env


def test_only_staff_pages_load_the_composer_check(app, client, auth, member, facilitator, make_thread):
    thread = make_thread()
    auth.login("maria")
    assert "js/hosting.js" not in client.get(f"/t/{thread.id}").get_data(as_text=True)
    auth.logout()
    auth.login("fran")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert 'js/hosting.js?v=' in page and 'data-check-url="/floor/check-post"' in page and 'href="/floor/"' in page


SEED = """
from community.auth.actions import register_member
from community.forum.actions import create_category, create_post, create_thread
olga = register_member("olga", "olga@example.com", "password-olga-1", skip_strength_check=True)
fran = register_member("fran", "fran@example.com", "password-fran-1", role="facilitator", skip_strength_check=True)
category = create_category("Product Q&A")
create_thread(olga, category, "Kettle light keeps blinking", "Blue light blinks after descaling. Ideas?")
busy = create_thread(olga, category, "Which filter fits the v2?", "The shop lists three filters.")
create_post(fran, busy, "The round one fits the v2 and the v3.")
create_thread(olga, category, "Descaler smells odd", "Is a vinegar smell normal after descaling?")
create_thread(olga, category, "Lid hinge squeaks", "Mine squeaks a little when it opens.")
from community.chat.rooms import create_room
create_room(fran, "Kettle owners", "Everything about kettles")
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    instance = tmp_path_factory.mktemp("composer-site")
    env = server_env(instance, DATABASE_URL=f"sqlite:///{instance / 'site.db'}", SEARCH_INDEX_DIR=instance / "index")
    prepare_database(env, SEED)
    with running_server(env) as base_url:
        yield base_url


def staff_page(browser, site):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_in(page, site, "fran", "password-fran-1")
    return context, page, problems


def test_staff_see_selling_phrases_highlighted_and_can_send_anyway(browser, site):  # noqa: F811
    context, page, problems = staff_page(browser, site)
    try:
        page.goto(site + "/t/1")
        page.fill("form.composer textarea[name=body]", "🙂 It's only $19.99 — buy now!")
        page.click("form.composer button[type=submit]")
        page.wait_for_selector(".hosting-check:not([hidden])")
        assert page.locator(".hosting-check mark").all_text_contents() == ["$19.99", "buy now"]
        assert "host the room" in page.locator(".hosting-check").inner_text()
        assert page.url.endswith("/t/1")  # nothing sent yet
        with page.expect_request(lambda r: r.method == "POST" and "/reply" in r.url) as sent:
            page.click("text=Send anyway (logged)")
        assert "override=1" in sent.value.post_data
        page.wait_for_load_state()
        assert "only $19.99" in page.locator(".posts").inner_text()  # sent, and the choice is logged
        assert problems == []
    finally:
        context.close()


def test_edit_keeps_the_text_and_a_calm_reply_goes_straight_through(browser, site):  # noqa: F811
    context, page, problems = staff_page(browser, site)
    try:
        page.goto(site + "/t/3")
        box = "form.composer textarea[name=body]"
        page.fill(box, "Use code SAVE20 at checkout")
        page.click("form.composer button[type=submit]")
        page.wait_for_selector(".hosting-check:not([hidden])")
        page.click(".hosting-check >> text=Edit")
        assert page.locator(".hosting-check").is_hidden() and page.input_value(box) == "Use code SAVE20 at checkout"
        page.fill(box, "Hold the power button for ten seconds, then descale again.")
        with page.expect_request(lambda r: r.method == "POST" and "/reply" in r.url) as sent:
            page.click("form.composer button[type=submit]")
        assert "override" not in sent.value.post_data
        assert problems == []
    finally:
        context.close()


def test_staff_are_warned_on_opening_a_staff_heavy_thread(browser, site):  # noqa: F811
    context, page, problems = staff_page(browser, site)
    try:
        page.goto(site + "/t/2")
        notice = page.wait_for_selector(".hosting-spotlight:not([hidden])")
        assert "Staff wrote 1 of the 2 posts" in notice.inner_text()
        page.goto(site + "/t/4")
        page.wait_for_load_state("networkidle")
        assert page.locator(".hosting-spotlight").is_hidden()
        assert problems == []
    finally:
        context.close()


SELLING = "Use code SAVE10 for 10% off, buy now!"


def test_the_check_works_in_the_new_thread_composer_title_included(browser, site):  # noqa: F811
    context, page, problems = staff_page(browser, site)
    try:
        page.goto(site + "/new")
        page.wait_for_load_state("networkidle")
        assert problems == []  # hosting.js set the composer up without an error
        page.fill("input[name=title]", "Kettle Pro: 20% off")
        page.fill("textarea[name=body]", SELLING)
        page.click("form.composer button[type=submit]")
        page.wait_for_selector(".hosting-check:not([hidden])")
        marks = page.locator(".hosting-check mark").all_text_contents()
        assert marks == ["20% off", "Use code SAVE10", "10% off", "buy now"]
        assert page.url.endswith("/new")  # nothing sent yet
        # Above the buttons, not inside their row: the form's own child.
        assert page.evaluate("document.querySelector('.hosting-check').parentElement.tagName") == "FORM"
        with page.expect_navigation():
            page.click("text=Send anyway (logged)")
        assert "/t/" in page.url and "SAVE10" in page.locator(".posts").inner_text()
        assert problems == []
    finally:
        context.close()


def test_the_check_works_when_staff_edit_a_post_and_counts_only_what_the_edit_adds(browser, site):  # noqa: F811
    context, page, problems = staff_page(browser, site)
    try:
        page.goto(site + "/p/3/edit")  # fran's reply in "Which filter fits the v2?"
        page.wait_for_load_state("networkidle")
        assert problems == []  # hosting.js set the composer up without an error
        page.fill("textarea[name=body]", "The round one fits the v2 and the v3. " + SELLING)
        page.click("form.composer button[type=submit]")
        page.wait_for_selector(".hosting-check:not([hidden])")
        assert page.locator(".hosting-check mark").all_text_contents() == ["Use code SAVE10", "10% off", "buy now"]
        with page.expect_navigation():
            page.click("text=Send anyway (logged)")
        assert "SAVE10" in page.locator(".posts").inner_text()
        # Fixing a typo in a post already sent anyway adds no selling: it saves without a second question.
        page.goto(site + "/p/3/edit")
        page.fill("textarea[name=body]", "The round one fits the v2 and v3. " + SELLING)
        with page.expect_navigation():
            page.click("form.composer button[type=submit]")
        assert page.locator(".hosting-check:not([hidden])").count() == 0
        assert "fits the v2 and v3." in page.locator(".posts").inner_text()
        assert problems == []
    finally:
        context.close()


def test_the_check_holds_back_a_staff_chat_message_until_sent_anyway(browser, site):  # noqa: F811
    context, page, problems = staff_page(browser, site)
    try:
        page.goto(site + "/chat/1")
        page.locator("[data-chat-people] li", has_text="fran").wait_for(timeout=10000)
        page.fill("form[data-chat-composer] textarea[name=body]", SELLING)
        page.press("form[data-chat-composer] textarea[name=body]", "Enter")
        page.wait_for_selector(".hosting-check:not([hidden])")
        assert page.locator(".hosting-check mark").all_text_contents() == ["Use code SAVE10", "10% off", "buy now"]
        assert page.locator("[data-chat-messages] li").count() == 0  # held back, not sent
        page.click("text=Send anyway (logged)")
        page.locator("[data-chat-messages] li", has_text="SAVE10").wait_for(timeout=10000)
        assert page.locator("form[data-chat-composer] input[name=override]").count() == 0
        page.fill("form[data-chat-composer] textarea[name=body]", "The v2 filter fits the v3 too.")
        page.press("form[data-chat-composer] textarea[name=body]", "Enter")
        page.locator("[data-chat-messages] li", has_text="fits the v3").wait_for(timeout=10000)
        assert page.locator(".hosting-check:not([hidden])").count() == 0
        assert problems == []
    finally:
        context.close()


def render_composer_help(user, thread, body_errors):
    from types import SimpleNamespace

    from flask import render_template_string
    from flask_login import login_user


    form = SimpleNamespace(body=SimpleNamespace(errors=body_errors))
    from flask import current_app
    with current_app.test_request_context():
        login_user(user)
        return render_template_string('{% include "hosting/_composer_staff.html" %}', thread=thread, form=form)


def test_composer_help_warns_staff_and_offers_the_override_without_javascript(app, facilitator, member,
                                                                             make_thread, reply):
    thread = make_thread(author=member)
    reply(facilitator, thread, "Here is how to reset it.")
    html = render_composer_help(facilitator, thread, ["This reads as selling"])
    assert "Staff wrote 1 of the 2 posts" in html and 'name="override" value="1"' in html
    assert 'name="override"' not in render_composer_help(facilitator, thread, [])
    assert render_composer_help(member, thread, ["This reads as selling"]).strip() == ""


def test_a_staff_reply_that_sells_is_refused_keeping_the_text_then_sent_anyway_with_a_log(
        app, client, auth, db, facilitator, make_thread):
    from sqlalchemy import select

    from community.forum.models import Post
    from community.moderation.models import AuditEntry

    thread = make_thread()
    auth.login("fran")
    text = "The Pro is only $19.99 this week, buy now at https://shop.example.com/pro"
    refused = auth.post(f"/t/{thread.id}/reply", {"body": text})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "reads as selling" in page and "$19.99" in page
    assert "https://shop.example.com/pro</textarea>" in page and 'name="override"' in page
    assert db.session.scalar(select(Post).where(Post.number == 2)) is None
    sent = auth.post(f"/t/{thread.id}/reply", {"body": text, "override": "1"})
    assert sent.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "promo_override"))
    assert entry.actor_id == facilitator.id and entry.target_id == thread.id
    assert {f["kind"] for f in entry.after["findings"]} >= {"price", "call_to_buy", "shop_link"}
