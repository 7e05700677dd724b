"""`make serve`'s stack (deploy/serve.py) on PostgreSQL and Redis, driven through nginx by two browsers held on
different Socket.IO processes: a reply shows up live, chat crosses the processes, search finds the new post,
each request is logged with nginx's request id, and Ctrl-C leaves no process behind."""
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.browsing import sign_in, wait_for_live_socket
from tests.chat.live import PG_URL, REDIS_BASE, postgres_or_skip, redis_or_skip
from tests.servers import ROOT, free_port, prepare_database, server_env

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]

REDIS_DB = 11  # this test's own database number; Socket.IO's pub/sub is kept apart by the channel name
PASSWORD = "password-serve-1"
SEED = f"""
from community.auth.actions import register_member
from community.chat.rooms import create_room
from community.forum.actions import create_category, create_thread
maria = register_member("maria", "maria@example.com", "{PASSWORD}", skip_strength_check=True)
olly = register_member("olly", "olly@example.com", "{PASSWORD}", skip_strength_check=True)
fran = register_member("fran", "fran@example.com", "{PASSWORD}", role="facilitator", skip_strength_check=True)
create_thread(olly, create_category("Product Q&A"), "Kettle light keeps blinking", "Blue light blinks after descaling.")
create_room(fran, "Kettle owners", "Everything about kettles")
"""


class Stack:
    """deploy/serve.py as `make serve` runs it, in its own process group, with its output in a file."""

    def __init__(self, env, log_path):
        self.env, self.log_path = env, log_path
        self.base_url = f"http://127.0.0.1:{env['SERVE_PORT']}"
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "deploy/serve.py"], cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait_until_healthy(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the stack exited with {self.process.returncode}:\n{self.output()[-3000:]}")
            try:
                if requests.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass  # nginx or the page workers are still starting
            time.sleep(0.25)
        raise AssertionError(f"the stack was not healthy within {timeout}s:\n{self.output()[-3000:]}")

    def output(self):
        return Path(self.log_path).read_text(errors="replace")

    def descendants(self):
        """Every process started under the stack (honcho's children, gunicorn's workers, nginx's workers)."""
        children = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.extend(children.get(pid, []))
            todo.extend(children.get(pid, []))
        return found

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.log.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    pg = postgres_or_skip()
    redis_client = redis_or_skip(REDIS_DB)
    if not any(Path(d, "nginx").exists() for d in ("/usr/sbin", "/usr/local/sbin", "/usr/bin")):
        pytest.skip("nginx is not installed (make serve installs it as root: apt-get install nginx)")
    schema = f"serve_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    pg.execute(f"CREATE SCHEMA {schema}")
    redis_client.flushdb()
    instance = tmp_path_factory.mktemp("serve")
    env = server_env(instance, DATABASE_URL=f"{PG_URL}?options=-csearch_path%3D{schema}",
                     REDIS_URL=f"{REDIS_BASE}/{REDIS_DB}", SOCKETIO_CHANNEL=f"tummler-serve-{uuid.uuid4().hex[:8]}",
                     SEARCH_INDEX_DIR=instance / "index", SERVE_PORT=free_port(), TUMMLER_CONFIG="production")
    for name in ("SOCKETIO_ASYNC_MODE", "SEARCH_INDEXER_IN_PROCESS", "HOST", "PORT", "SERVE_WITHOUT"):
        env.pop(name, None)
    stack = None
    try:
        prepare_database(env, SEED)
        stack = Stack(env, instance / "stack.log")
        stack.wait_until_healthy()
        yield stack
    finally:
        if stack is not None:
            stack.stop()
        redis_client.flushdb()
        pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        pg.close()


def socket_route_to(base_url, process):
    """A tummler_socket cookie value that nginx sends to Socket.IO process `process` (asked of nginx itself)."""
    for n in range(64):
        value = f"route-{n}"
        answer = requests.get(base_url + "/socket.io/?EIO=4&transport=polling", cookies={"tummler_socket": value},
                              timeout=5)
        assert answer.status_code == 200, answer.text
        if answer.headers.get("X-Socket-Process") == process:
            return value
    raise AssertionError(f"no route value reached Socket.IO process {process}")


def held_on(browser, base_url, route):
    """A browser context whose Socket.IO requests carry route, and the processes its websockets reached."""
    context = browser.new_context()
    context.add_cookies([{"name": "tummler_socket", "value": route, "url": base_url + "/socket.io/"}])
    page = context.new_page()
    page.socket_processes = []
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.webSocketHandshakeResponseReceived", lambda event: page.socket_processes.append(
        {k.lower(): v for k, v in event["response"]["headers"].items()}.get("x-socket-process")))
    return context, page


def test_stack_serves_live_replies_chat_across_socket_processes_and_search_through_nginx(browser, stack):
    base = stack.base_url
    health = requests.get(base + "/healthz", timeout=5)
    assert health.status_code == 200 and health.headers["Cache-Control"] == "no-store"
    assert {"database", "redis", "search"} <= set(health.json()["checks"]) and health.json()["status"] == "ok"
    fresh = requests.get(base + "/socket.io/?EIO=4&transport=polling", timeout=5)
    assert "tummler_socket=" in fresh.headers.get("Set-Cookie", ""), "long-polling would not stick to a process"
    static = requests.get(base + "/static/css/site.css?v=1", timeout=5)
    assert static.status_code == 200 and "immutable" in static.headers["Cache-Control"]

    maria_context, maria = held_on(browser, base, socket_route_to(base, "1"))
    olly_context, olly = held_on(browser, base, socket_route_to(base, "2"))
    try:
        sign_in(maria, base, "maria", PASSWORD)
        sign_in(olly, base, "olly", PASSWORD)
        assert maria.locator("body[data-user-id]").count() == 1 and olly.locator("body[data-user-id]").count() == 1

        olly.goto(base + "/t/1")
        wait_for_live_socket(olly)
        maria.goto(base + "/t/1")
        word = f"zephyrkettle{uuid.uuid4().hex[:6]}"
        maria.fill("textarea[name=body]", f"Hold the **switch** for ten seconds: the {word} trick.")
        maria.click("form.composer button[type=submit]")
        olly.wait_for_selector("#post-2 strong", timeout=15000)
        assert word in olly.inner_text("#post-2")

        olly.goto(base + "/chat/1")
        maria.goto(base + "/chat/1")
        olly.locator("[data-chat-people] li", has_text="maria").wait_for(timeout=15000)
        maria.fill("textarea[name=body]", "Descale **monthly**")
        maria.press("textarea[name=body]", "Enter")
        olly.wait_for_selector("#m-1 strong", timeout=15000)
        assert olly.inner_text("#m-1 strong") == "monthly"
        # Every websocket each browser opened (thread page, chat page) went to its own process.
        assert maria.socket_processes and set(maria.socket_processes) == {"1"}, maria.socket_processes
        assert olly.socket_processes and set(olly.socket_processes) == {"2"}, olly.socket_processes

        for _ in range(40):  # the indexer is its own process, polling the outbox every half second
            maria.goto(f"{base}/search?q={word}")
            if maria.locator(".search-hit").count():
                break
            maria.wait_for_timeout(250)
        assert "Kettle light keeps blinking" in maria.inner_text(".search-hit h2")
    finally:
        maria_context.close()
        olly_context.close()

    page = requests.get(base + "/", timeout=5)
    request_id = page.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), "nginx's $request_id should reach the app and come back"
    time.sleep(0.5)
    assert re.search(rf"\[{request_id}\] GET / 200 [0-9.]+ms member=-", stack.output())
    reply_line = re.search(r"POST /t/1/reply 30[23] [0-9.]+ms member=(\d+)", stack.output())
    assert reply_line and reply_line.group(1) != "-", "the reply's log line names the member who wrote it"


def test_ctrl_c_stops_every_process_the_stack_started(stack):
    started = stack.descendants()
    names = {Path(f"/proc/{pid}/comm").read_text().strip() for pid in started if Path(f"/proc/{pid}").exists()}
    assert {"gunicorn", "nginx"} <= names, names
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(20) is not None
    time.sleep(0.5)
    left = [pid for pid in started if Path(f"/proc/{pid}").exists()
            and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    assert left == [], f"still running after Ctrl-C: {[Path(f'/proc/{p}/cmdline').read_bytes() for p in left]}"
