"""HTTP benchmark: the home page and a 50-post thread page under gunicorn, beside a bare Flask route, on 50k threads.

    .venv/bin/python bench/pages.py [--threads 50000] [--runs 3] [--duration 10] [--connections 32]
    .venv/bin/python bench/pages.py --signed-in maria_k  # also a member's home and thread pages (needs wrk)
    .venv/bin/python bench/pages.py --in-process 2000   # µs per request through the WSGI app, no server

The demo database is built once and cached outside the repository (default /tmp/tummler-bench); servers
listen on free ports on 127.0.0.1 and are stopped at the end. Load comes from wrk when installed
(apt-get install wrk), otherwise from a slower Python generator (figures then understate the servers).
"""
import sys
from pathlib import Path


import argparse
import hashlib
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import python_load  # noqa: E402


def schema_fingerprint():
    """Changes whenever a migration or the demo generator changes, so a stale cached database is rebuilt."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")) + sorted((ROOT / "community" / "demo").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def flask_env(db_path, instance):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "INSTANCE_PATH": str(instance),
           "PYTHONPATH": str(ROOT), "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-not-secret"}
    env.pop("REDIS_URL", None)
    return env


def ensure_database(cache, threads, seed):
    """The demo database with `threads` threads, built once per schema and reused."""
    db_path = cache / f"demo-{threads}-{seed}-{schema_fingerprint()}.db"
    instance = cache / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    if db_path.exists():
        print(f"Reusing {db_path}")
        return db_path, instance
    partial = db_path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    env = flask_env(partial, instance)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    print(f"Building a demo database with {threads} threads in {partial} (once)…", flush=True)
    started = time.monotonic()
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo", "load", "--threads", str(threads), "--seed", str(seed), "--no-index"], cwd=ROOT,
                   env=env, check=True)
    partial.rename(db_path)
    print(f"Built in {time.monotonic() - started:.0f} s", flush=True)
    return db_path, instance


def long_thread(db_path, posts=50):
    """A public thread with at least `posts` posts (the bench page shows 50 of them)."""
    with sqlite3.connect(db_path) as conn:
        row = conn.execute(
            "SELECT t.id, t.reply_count FROM threads t JOIN categories c ON c.id = t.category_id "
            "WHERE NOT c.staff_only AND t.deleted_at IS NULL AND t.reply_count >= ? ORDER BY t.id LIMIT 1",
            (posts - 1,)).fetchone()
        if row is None:
            raise SystemExit(f"No thread with {posts} posts in {db_path}")
        return row[0], row[1] + 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn process group on a free local port, stopped on exit."""

    def __init__(self, app, env, workers, threads, ready_path="/"):
        self.port, self.ready_path = free_port(), ready_path
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(workers),
                    "GUNICORN_THREADS": str(threads)}
        self.cmd = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), app]

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url(self.ready_path), timeout=5).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit(f"{' '.join(self.cmd)} exited with {self.proc.returncode}")
                time.sleep(0.3)
        raise SystemExit(f"{' '.join(self.cmd)} did not answer within 60 s")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def __exit__(self, *exc):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)


DEMO_PASSWORD = "password"


def sign_in(server, username, password=DEMO_PASSWORD):
    """Sign in through the real login form (GET for the CSRF token, then POST) and return a Cookie header value
    holding the session and remember-me cookies, as a member's browser would send them."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(server.url("/login"), timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', form)
    if token is None:
        raise SystemExit("No CSRF token in the login form")
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "login": username, "password": password,
                                   "remember": "y"}).encode()
    try:  # a successful sign-in redirects (to a static file: no page is rendered or stored on the way)
        response = opener.open(urllib.request.Request(server.url("/login?next=/static/favicon.svg"), data=data),
                               timeout=10)
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"Signing in as {username} failed: HTTP {exc.code} (demo password is {password!r})")
    if urllib.parse.urlsplit(response.geturl()).path == "/login":
        raise SystemExit(f"Signing in as {username} failed: the login form came back")
    cookies = {c.name: c.value for c in jar}
    remember = "remember_token"  # Flask-Login's default name; the app does not rename it
    missing = [name for name in ("session", remember) if name not in cookies]
    if missing:
        raise SystemExit(f"Signing in as {username} set no {', '.join(missing)} cookie (got {sorted(cookies)})")
    return f"session={cookies['session']}; {remember}={cookies[remember]}"


def check_member_page(url, cookie, username):
    """A real 200 page for the member: their name and the sign-out control in it, not a visitor's page."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read().decode()
        status, final = response.status, response.geturl()
    if status != 200 or final != url:
        raise SystemExit(f"{url} as {username}: HTTP {status} at {final}, not the member's page")
    if (f"/u/{username}\"" not in body and f">{username}<" not in body) or "Sign out" not in body:
        raise SystemExit(f"{url} as {username}: no profile link or sign-out control, not signed in")
    return body


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url, connections, duration, cookie=None):
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *headers, url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {p: float(v) * UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:  # wrk counts every status of 400 and above here; a figure that includes them is no page figure
        print(f"wrk against {url}: {bad.group(0)}", flush=True)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": lat["50"], "p99": lat["99"], "non2xx": int(bad.group(1)) if bad else 0,
            "errors": errors.group(1) if errors else ""}


def measure(url, connections, duration, cookie=None):
    if shutil.which("wrk"):
        return wrk(url, connections, duration, cookie)
    return python_load(url, connections, duration)


def settle(url, deadline=120):
    """Wait until requests queued by the last run are served, so one page's backlog never counts against the next."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        started = time.monotonic()
        try:
            urllib.request.urlopen(url, timeout=30).read()
        except OSError:
            pass
        if time.monotonic() - started < 0.2:
            return
        time.sleep(0.5)


FIRST_VIEWS = {}  # url -> ms for its first view after the servers started (nothing stored yet)


def warm(url, count=50, cookie=None):
    """Fill caches and connection pools the way a few first visitors (or one member) would; the first view,
    which finds nothing stored, is timed on its own: what the first reader after a start or a write waits."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    for n in range(count):
        started = time.perf_counter()
        body = urllib.request.urlopen(request, timeout=10).read()
        if n == 0:
            FIRST_VIEWS[(url, cookie)] = (time.perf_counter() - started) * 1000
    return body


def in_process(db_path, instance, thread_id, count):
    """Microseconds per request, calling each WSGI app directly: the servers' and the network's share left out."""
    os.environ.update(flask_env(db_path, instance))
    from werkzeug.test import EnvironBuilder

    from bench.forum_app import app as forum
    from bench.hello_app import app as hello

    def per_request(app, path):
        environs = [EnvironBuilder(path=path).get_environ() for _ in range(count)]
        for environ in environs[:50]:  # warm: templates, stored pages, connections
            b"".join(app(dict(environ), lambda *a: None))
        started = time.perf_counter()
        for environ in environs:
            body = app(environ, lambda *a: None)
            b"".join(body)
            getattr(body, "close", lambda: None)()
        return (time.perf_counter() - started) / count * 1e6

    for name, app, path in (("bare", hello, "/"), ("home", forum, "/"), ("thread", forum, f"/t/{thread_id}")):
        samples = sorted(per_request(app, path) for _ in range(5))
        print(f"{name:6} {samples[2]:7.0f} µs per request (median of 5 × {count}; "
              f"{samples[0]:.0f}–{samples[-1]:.0f})  load {os.getloadavg()[0]:.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=1907)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-threads", type=int, default=1, help="1: sync workers; more: gthread")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("BENCH_CACHE", "/tmp/tummler-bench")))
    parser.add_argument("--in-process", type=int, metavar="N", help="time N direct WSGI calls per page instead")
    parser.add_argument("--signed-in", metavar="USERNAME",
                        help=f"also measure the home and thread pages as this member (demo password {DEMO_PASSWORD!r})")
    args = parser.parse_args()
    if args.signed_in and (args.in_process or not shutil.which("wrk")):
        parser.error("--signed-in needs wrk (it sends the member's cookies) and a server run, not --in-process")

    db_path, instance = ensure_database(args.cache, args.threads, args.seed)
    thread_id, post_count = long_thread(db_path)
    if args.in_process:
        return in_process(db_path, instance, thread_id, args.in_process)
    env = flask_env(db_path, instance)
    kind = "sync" if args.worker_threads == 1 else f"gthread ×{args.worker_threads}"
    print(f"gunicorn {kind}, {args.workers} workers; {'wrk' if shutil.which('wrk') else 'python load'} "
          f"-c{args.connections} -d{args.duration}s; thread {thread_id} has {post_count} posts", flush=True)
    pages = ("bare", "home", "thread") + (("home (member)", "thread (member)") if args.signed_in else ())
    results = {name: [] for name in pages}
    with Server("bench.hello_app:app", env, args.workers, args.worker_threads) as bare, \
            Server("bench.forum_app:app", env, args.workers, args.worker_threads,
                   ready_path="/static/favicon.svg") as forum:  # up, with no page stored yet
        page = warm(forum.url(f"/t/{thread_id}")).decode()
        shown = len(re.findall(r'id="post-\d+"', page))
        print(f"thread page: {len(page) // 1024} KB, {shown} posts shown", flush=True)
        warm(forum.url("/"))
        warm(bare.url("/"))
        targets = {"bare": (bare.url("/"), None), "home": (forum.url("/"), None),
                   "thread": (forum.url(f"/t/{thread_id}"), None)}
        if args.signed_in:
            cookie = sign_in(forum, args.signed_in)
            for name, path in (("home (member)", "/"), ("thread (member)", f"/t/{thread_id}")):
                warm(forum.url(path), cookie=cookie)
                check_member_page(forum.url(path), cookie, args.signed_in)
                targets[name] = (forum.url(path), cookie)
            print(f"signed in as {args.signed_in}: home and thread pages show the member and a sign-out control",
                  flush=True)
        for name, (url, cookie) in targets.items():
            first = FIRST_VIEWS.get((url, cookie))
            if first is not None:
                print(f"first view after start: {name:15} {first:7.1f} ms", flush=True)
        for run in range(1, args.runs + 1):
            for name, (url, cookie) in targets.items():
                settle(forum.url("/static/css/site.css"))
                result = measure(url, args.connections, args.duration, cookie)
                results[name].append(result)
                result["load"] = os.getloadavg()[0]  # other work on the shared cores moves every figure: say how much
                print(f"run {run} {name:15} {result['rps']:8.0f} req/s  p50 {result['p50']:6.1f} ms  "
                      f"p99 {result['p99']:6.1f} ms  non-2xx {result['non2xx']} {result['errors']}  "
                      f"load {result['load']:.1f}", flush=True)
                if result["non2xx"]:
                    report(results)
                    raise SystemExit(f"{name}: {result['non2xx']} responses were not 2xx/3xx; these are not page figures")
        if args.signed_in:  # still the member's page after the load (a lost session would fall back to a visitor's)
            check_member_page(targets["thread (member)"][0], targets["thread (member)"][1], args.signed_in)
    report(results)


def spread(values, fmt="{:.0f}"):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def report(results):
    print("\n| page | req/s median (min–max) | share of bare (per run) | p50 ms | p99 ms | load average |")
    print("|---|---:|---:|---:|---:|---:|")
    bare = [r["rps"] for r in results["bare"]]
    for name, rows in results.items():
        if not rows:
            continue
        shares = [r["rps"] / b for r, b in zip(rows, bare)]
        print(f"| {name} | {spread([r['rps'] for r in rows])} | "
              f"{', '.join(f'{s:.0%}' for s in shares)} | {spread([r['p50'] for r in rows], '{:.1f}')} | "
              f"{spread([r['p99'] for r in rows], '{:.1f}')} | "
              f"{', '.join(format(r['load'], '.1f') for r in rows if 'load' in r)} |")


if __name__ == "__main__":
    main()
