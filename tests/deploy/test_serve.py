"""`make serve`'s stack (deploy/serve.py) on PostgreSQL and Redis, driven through nginx by two browsers held on
different Socket.IO processes: a reply shows up live, chat crosses the processes, search finds the new post,
each request is logged with nginx's request id, and Ctrl-C leaves no process behind. Without Redis (SQLite, one
Socket.IO process) a reply posted through nginx still reaches the sockets watching its thread."""
import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import socketio

from tests.browsing import sign_in, wait_for_live_socket
from tests.chat.live import CSRF_RE, PG_URL, REDIS_BASE, postgres_or_skip, redis_or_skip
from tests.servers import ROOT, free_port, server_env

pytestmark = [pytest.mark.server]

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
        # --no-demo: the test's own members are written once the stack has migrated the database (seed()).
        self.process = subprocess.Popen([sys.executable, "deploy/serve.py", "--no-demo"], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

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

    def seed(self, code):
        """Run code (Python, `app` in scope) in an app context against the stack's database."""
        script = "from community import create_app\napp = create_app()\nwith app.app_context():\n"
        script += "\n".join("    " + line for line in code.strip().splitlines()) + "\n"
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=self.env, check=True)

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
        """Ctrl-C, as an operator would; if honcho does not finish, kill it and everything it started (its
        processes run in sessions of their own, so killing its process group alone would leave them running)."""
        if self.process.poll() is None:
            started = self.descendants()
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
                for pid in started:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        self.log.close()


def nginx_or_skip():
    if not any(Path(d, "nginx").exists() for d in ("/usr/sbin", "/usr/local/sbin", "/usr/bin")):
        pytest.skip("nginx is not installed (make serve installs it as root: apt-get install nginx)")


def stack_environment(instance, **settings):
    env = server_env(instance, SEARCH_INDEX_DIR=instance / "index", SERVE_PORT=free_port(), TUMMLER_CONFIG="production",
                     **settings)
    for name in ("SOCKETIO_ASYNC_MODE", "SEARCH_INDEXER_IN_PROCESS", "HOST", "PORT", "SERVE_WITHOUT", "SEARCH_UPSTREAM",
                 "RATELIMIT_STORAGE_URI"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    pg = postgres_or_skip()
    redis_client = redis_or_skip(REDIS_DB)
    nginx_or_skip()
    schema = f"serve_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    pg.execute(f"CREATE SCHEMA {schema}")
    redis_client.flushdb()
    instance = tmp_path_factory.mktemp("serve")
    env = stack_environment(instance, DATABASE_URL=f"{PG_URL}?options=-csearch_path%3D{schema}",
                            REDIS_URL=f"{REDIS_BASE}/{REDIS_DB}", SOCKETIO_CHANNEL=f"tummler-serve-{uuid.uuid4().hex[:8]}")
    stack = None
    try:
        stack = Stack(env, instance / "stack.log")
        stack.wait_until_healthy()
        stack.seed(SEED)
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


@pytest.fixture(scope="module")
def stack_without_redis(tmp_path_factory):
    nginx_or_skip()
    instance = tmp_path_factory.mktemp("serve-sqlite")
    env = stack_environment(instance, DATABASE_URL=f"sqlite:///{instance / 'site.db'}", REDIS_URL="")
    stack = Stack(env, instance / "stack.log")
    try:
        stack.wait_until_healthy()
        stack.seed(SEED)
        yield stack
    finally:
        stack.stop()


def signed_in(base_url, username):
    """A requests session signed in through nginx as a browser would (the sign-in form's CSRF token)."""
    http = requests.Session()
    token = CSRF_RE.search(http.get(base_url + "/login", timeout=10).text).group(1)
    answer = http.post(base_url + "/login", data={"login": username, "password": PASSWORD, "csrf_token": token},
                       timeout=10, allow_redirects=False)
    assert answer.status_code == 302, f"{username} could not sign in"
    return http


@pytest.mark.browser
@pytest.mark.postgres
@pytest.mark.redis
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


def test_without_redis_a_reply_posted_through_nginx_reaches_the_sockets_watching_its_thread(stack_without_redis):
    base = stack_without_redis.base_url
    assert "redis" not in requests.get(base + "/healthz", timeout=5).json()["checks"]
    olly, maria = signed_in(base, "olly"), signed_in(base, "maria")
    heard = queue.Queue()
    watcher = socketio.Client(reconnection=False)
    watcher.on("post_created", heard.put, namespace="/live")
    cookie = "; ".join(f"{c.name}={c.value}" for c in olly.cookies)
    watcher.connect(base, headers={"Cookie": cookie}, namespaces=["/live"], transports=["websocket"], wait_timeout=10)
    try:
        assert watcher.call("watch_thread", {"thread_id": 1}, namespace="/live", timeout=10) == {"ok": True}
        page = maria.get(base + "/t/1", timeout=10).text
        token = CSRF_RE.search(page).group(1)
        # A page worker would commit this reply and emit into its own process, where no socket is: nginx sends
        # writes to the Socket.IO process instead.
        answer = maria.post(base + "/t/1/reply", data={"body": "Hold the switch for ten seconds.", "csrf_token": token},
                            timeout=10, allow_redirects=False)
        assert answer.status_code in (302, 303), answer.text[:500]
        event = heard.get(timeout=10)
        assert event["thread_id"] == 1 and "Hold the switch for ten seconds." in event["html"]
    finally:
        watcher.disconnect()


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
