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


@pytest.fixture(scope="module")
def chat_site_on_postgres(tmp_path_factory):
    """The seeded chat site on PostgreSQL, where concurrent senders share group commits."""
    import os
    import uuid

    from tests.chat.live import PG_URL, SEED, postgres_or_skip, production_command
    from tests.servers import free_port, prepare_database, running_server, server_env

    pg = postgres_or_skip()
    instance = tmp_path_factory.mktemp("chat-browser-pg")
    schema = f"chat_browser_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    pg.execute(f"CREATE SCHEMA {schema}")
    env = server_env(instance, DATABASE_URL=f"{PG_URL}?options=-csearch_path%3D{schema}", REDIS_URL="",
                     SOCKETIO_ASYNC_MODE="gevent", SEARCH_INDEX_DIR=instance / "index",
                     RATELIMIT_STORAGE_URI="memory://", CHAT_RATE_LIMIT="1000 per 1 second")
    try:
        prepare_database(env, SEED)
        port = free_port()
        with running_server(env, port=port, command=production_command(port)) as base_url:
            yield base_url
    finally:
        pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        pg.close()


def test_messages_committed_together_appear_once_each_in_order(browser, chat_site_on_postgres):
    """Bursts from several members form group commits that arrive as one list; the page shows each once."""
    import threading

    from tests.chat.live import ChatClient, sign_in as sign_in_http

    site = chat_site_on_postgres
    context = browser.new_context()
    senders = [ChatClient(site, sign_in_http(site, name)) for name in ("maria", "olly", "thea", "fran")]
    watcher = ChatClient(site, sign_in_http(site, "maria"))
    try:
        page = context.new_page()
        sign_in(page, site, "olly", PASSWORD)
        page.goto(site + "/chat/1")
        page.locator("[data-chat-people] li", has_text="olly").wait_for(timeout=10000)
        for client in senders + [watcher]:
            assert client.call("join", {"room_id": 1})["ok"]
        sent = []
        for burst in range(10):  # until the watcher has seen a list (each burst nearly always makes one)
            def send(client, burst=burst):
                for n in range(3):
                    sent.append(client.call("send", {"room_id": 1, "body": f"burst {burst} message {n}"})["ok"])

            threads = [threading.Thread(target=send, args=(client,)) for client in senders]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if watcher.lists:
                break
        assert watcher.lists > 0, "no burst formed a group commit"
        assert all(sent)
        last = len(sent)
        page.wait_for_selector(f"#m-{last}", timeout=10000)
        items = page.locator("[id^=m-]")
        shown = [items.nth(i).get_attribute("id") for i in range(items.count())]
        assert shown == [f"m-{seq}" for seq in range(1, last + 1)]
    finally:
        for client in senders + [watcher]:
            client.close()
        context.close()
