"""Chat fan-out benchmark: N websocket clients in one room, the app beside a bare python-socketio server.

    .venv/bin/python bench/chat.py [--clients 10,100,300] [--rate 10] [--seconds 10] [--flood-seconds 8]
                                   [--senders 20] [--flood-senders 10] [--redis]

Both servers run the production command (gunicorn -k gevent -w 1) on free ports on 127.0.0.1 and are
stopped at the end. The app uses PostgreSQL when one is reachable at TEST_POSTGRES_URL (its own schema,
dropped afterwards), SQLite otherwise; --redis adds the Redis message queue (REDIS_URL) as with
several processes. For each N:
  * paced: the senders together send --rate messages per second for --seconds; fan-out latency is the
    time from send to receipt at each of the N receivers (one clock: all clients live in this process);
  * flood: --flood-senders each send their next message as soon as the last one is acknowledged, for
    --flood-seconds; delivered messages per second = messages received at the N receivers / elapsed
    time. Messages, not frames: the app sends the messages of one group commit as one frame (a list),
    the bare server one frame per message; frames per second are reported beside.
The app is started with CHAT_RATE_LIMIT raised so flooding senders are not refused; the limiter still
runs on every message. Receivers are minimal Socket.IO clients (aiohttp websockets that read frames
without decoding JSON), so the load generator is as light as it can be on the same two cores.
"""
import sys
from pathlib import Path


import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os
import re
import tempfile
import time

import aiohttp
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port, prepare_database, running_server, server_env  # noqa: E402

PASSWORD = "password-bench-1"
TS_RE = re.compile(r"ts=(\d+\.\d+)")
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')  # the sign-in form's token
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


def gunicorn(port, target, profile=False):
    extra = ["-c", str(ROOT / "bench" / "profile_worker.py")] if profile else []
    return [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
            "--no-control-socket", "--log-level", "warning", *extra, target]


class Client:
    """Just enough Socket.IO (Engine.IO 4 over websocket) to join, send with acks and time receipts."""

    def __init__(self, recorder=None):
        self.recorder = recorder
        self.acks = {}
        self.next_id = 0

    async def connect(self, session, base_url, cookie=None, attempts=3):
        url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        for attempt in range(attempts):
            try:
                self.ws = await session.ws_connect(url, headers={"Cookie": cookie} if cookie else None,
                                                   autoping=False, max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=10),
                                                   )
                break
            except (asyncio.TimeoutError, aiohttp.ClientError):
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(1)
        opening = await self.ws.receive_str()
        assert opening.startswith("0"), opening
        await self.ws.send_str("40/chat,")
        reply = await self.ws.receive_str()
        if not reply.startswith("40/chat"):
            raise RuntimeError(f"namespace refused: {reply}")
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = msg.data
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith('42/chat,["chat_message'):  # "chat_message", or the app's "chat_messages" list
                if self.recorder is not None:
                    now = time.time()
                    self.recorder(now, [now - float(stamp) for stamp in TS_RE.findall(data)])
            elif data.startswith("43/chat,"):
                body = data[8:]
                digits = len(body) - len(body.lstrip("0123456789"))
                future = self.acks.pop(int(body[:digits]), None)
                if future is not None and not future.done():
                    future.set_result(json.loads(body[digits:])[0])

    async def call(self, event, payload):
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.acks[self.next_id] = future
        await self.ws.send_str(f"42/chat,{self.next_id}" + json.dumps([event, payload]))
        return await asyncio.wait_for(future, 30)

    async def close(self):
        await self.ws.close()
        self.reader.cancel()


class Recorder:
    """Counts messages, not frames: a frame carrying a list of k messages counts k receipts."""

    def __init__(self):
        self.latencies, self.frames, self.first, self.last = [], 0, None, None

    def __call__(self, now, latencies):
        self.latencies.extend(latencies)
        self.frames += 1
        self.first = self.first or now
        self.last = now


def sign_in(base_url, username):
    http = requests.Session()
    token = CSRF_RE.search(http.get(base_url + "/login", timeout=30).text).group(1)
    response = http.post(base_url + "/login", data={"login": username, "password": PASSWORD, "csrf_token": token},
                         timeout=30, allow_redirects=False)
    assert response.status_code == 302, f"sign-in failed for {username}"
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def server_cpu(port):
    """CPU seconds (user + system) used so far by the server processes started with 127.0.0.1:port on
    their command line (gunicorn's master and worker); NaN when there are none (python wsgi.py)."""
    total, tick, found = 0.0, os.sysconf("SC_CLK_TCK"), False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if f"127.0.0.1:{port}".encode() not in (entry / "cmdline").read_bytes():
                continue
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        found = True
    return total if found else float("nan")


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run_case(base_url, n, cookies, args):
    """Connect n receivers and the senders, run the paced and the flood phase, return figures."""
    receivers_cookies, senders_cookies = cookies
    recorder = Recorder()
    # Every websocket holds a connector slot; the default pool of 100 would stall the rest.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:
        receivers = [Client(recorder) for _ in range(n)]
        for i, client in enumerate(receivers):
            await client.connect(session, base_url, receivers_cookies[i % len(receivers_cookies)] if receivers_cookies else None)
        senders = [Client() for _ in range(max(args.senders, args.flood_senders))]
        for i, client in enumerate(senders):
            await client.connect(session, base_url, senders_cookies[i % len(senders_cookies)] if senders_cookies else None)
        for client in receivers + senders:
            joined = await client.call("join", {"room_id": 1})
            assert joined.get("ok"), joined
        await asyncio.sleep(1.0)

        # Paced: --rate messages per second in total, spread over the senders.
        recorder.latencies.clear()
        count = int(args.rate * args.seconds)
        start = time.monotonic()
        pending, refused = [], 0
        for k in range(count):
            await asyncio.sleep(max(0.0, start + k / args.rate - time.monotonic()))
            sender = senders[k % args.senders]
            pending.append(asyncio.create_task(sender.call("send", {"room_id": 1, "body": f"ts={time.time():.6f} n={k}"})))
        acks = await asyncio.gather(*pending)
        refused += sum(1 for a in acks if not a.get("ok"))
        await asyncio.sleep(2.0)
        paced = list(recorder.latencies)

        # Flood: closed loop, each sender waits for its acknowledgement before the next message.
        recorder.latencies.clear()
        recorder.frames = 0
        recorder.first = recorder.last = None
        port = int(base_url.rpartition(":")[2])
        cpu_start = server_cpu(port)
        stop = time.monotonic() + args.flood_seconds
        flood_start = time.time()
        sent = [0]

        async def flood(sender):
            while time.monotonic() < stop:
                ack = await sender.call("send", {"room_id": 1, "body": f"ts={time.time():.6f} flood"})
                sent[0] += 1 if ack.get("ok") else 0

        await asyncio.gather(*(flood(s) for s in senders[:args.flood_senders]))
        await asyncio.sleep(2.0)
        flood_cpu = server_cpu(port) - cpu_start
        flood_latencies, flood_frames = list(recorder.latencies), recorder.frames
        elapsed = (recorder.last or time.time()) - flood_start
        for client in receivers + senders:
            await client.close()
    return {
        "n": n, "paced_expected": count * n, "paced_received": len(paced), "refused": refused,
        "p50": percentile(paced, 0.5) * 1000, "p99": percentile(paced, 0.99) * 1000,
        "paced_rate": len(paced) / args.seconds,
        "flood_msgs": sent[0], "flood_delivered": len(flood_latencies),
        "flood_rate": len(flood_latencies) / elapsed if elapsed > 0 else 0.0,
        "flood_frame_rate": flood_frames / elapsed if elapsed > 0 else 0.0,
        "flood_p99": percentile(flood_latencies, 0.99) * 1000,
        "cpu_per_message": flood_cpu / sent[0] * 1000 if sent[0] else float("nan"),
    }


SEED = """
from community.auth.actions import register_member
from community.chat.rooms import create_room
fran = register_member("fran", "fran@example.com", "{password}", role="facilitator", skip_strength_check=True)
for i in range({accounts}):
    register_member(f"bench{{i}}", f"bench{{i}}@example.com", "{password}", skip_strength_check=True)
create_room(fran, "Bench room", "Fan-out")
"""


def app_environment(instance, args):
    env = {"INSTANCE_PATH": instance, "SEARCH_INDEX_DIR": Path(instance) / "index", "SOCKETIO_ASYNC_MODE": args.app_mode,
           "CHAT_RATE_LIMIT": "10000 per 1 second", "REDIS_URL": "", "SOCKETIO_CHANNEL": f"tummler-bench-{os.getpid()}"}
    schema = None
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3, autocommit=True) as conn:
            schema = f"chat_bench_{os.getpid()}"
            conn.execute(f"CREATE SCHEMA {schema}")
        env["DATABASE_URL"] = f"{PG_URL}?options=-csearch_path%3D{schema}"
        args.database = "PostgreSQL"
    except Exception as error:  # no PostgreSQL: the embedded default
        print(f"PostgreSQL not reachable ({error.__class__.__name__}); using SQLite", flush=True)
        env["DATABASE_URL"] = f"sqlite:///{Path(instance) / 'bench.db'}"
        args.database = "SQLite"
    if args.redis:
        env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    return server_env(instance, **env), schema


def drop_schema(schema):
    if schema:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="10,100,300")
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--flood-seconds", type=float, default=8.0)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--flood-senders", type=int, default=10)
    # Sign-in is limited to 10 per minute per address, so clients share a few accounts round-robin.
    parser.add_argument("--accounts", type=int, default=4, help="receiver accounts, shared round-robin")
    parser.add_argument("--sender-accounts", type=int, default=4, help="sender accounts, shared round-robin")
    parser.add_argument("--redis", action="store_true", help="run the app with the Redis message queue")
    parser.add_argument("--profile", metavar="FILE",
                        help="cProfile the app's gevent worker for the whole run; stats to FILE (pstats)")
    parser.add_argument("--app-mode", choices=("gevent", "threading"), default="gevent",
                        help="gevent: gunicorn -k gevent -w 1 (production); threading: python wsgi.py")
    args = parser.parse_args()
    sizes = [int(n) for n in args.clients.split(",")]

    with tempfile.TemporaryDirectory(prefix="tummler-chat-bench-") as instance:
        env, schema = app_environment(instance, args)
        try:
            total = args.accounts + args.sender_accounts
            print(f"Preparing the app database with {total} members…", flush=True)
            prepare_database(env, SEED.format(password=PASSWORD, accounts=total))
            bare_port, app_port = free_port(), free_port()
            bare_env = {**env, "PYTHONPATH": str(ROOT)}
            app_env = {**env, "TUMMLER_PROFILE_OUT": str(Path(args.profile).resolve())} if args.profile else env
            app_command = gunicorn(app_port, "wsgi:app", profile=bool(args.profile)) if args.app_mode == "gevent" else None
            with _bare(bare_env, bare_port) as bare_url, \
                    running_server(app_env, port=app_port, command=app_command) as app_url:
                print("Signing in the bench members…", flush=True)
                names = [f"bench{i}" for i in range(total)]
                cookies = [sign_in(app_url, name) for name in names]
                app_cookies = (cookies[:args.accounts], cookies[args.accounts:])
                results = []
                for n in sizes:
                    for label, url, jar in (("bare python-socketio", bare_url, ([], [])), (f"Tummler /chat ({args.app_mode})", app_url, app_cookies)):
                        print(f"  N={n}: {label}…", flush=True)
                        figures = asyncio.run(run_case(url, n, jar, args))
                        results.append((label, figures))
                report(results, args)
        finally:
            drop_schema(schema)


class _bare:
    """The bare server under the same gunicorn command; it has no /login page, so wait on its socket path."""

    def __init__(self, env, port):
        self.env, self.port = env, port

    def __enter__(self):
        import subprocess

        self.log = open(Path(self.env["INSTANCE_PATH"]) / f"bare-{self.port}.log", "wb")
        self.process = subprocess.Popen(gunicorn(self.port, "bench.bare_socketio:app"), cwd=ROOT, env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/socket.io/?EIO=4&transport=polling", timeout=1).status_code == 200:
                    return url
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        raise RuntimeError("bare server did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(10)
        self.log.close()


def report(results, args):
    print(f"\nApp database: {args.database}; Redis message queue: {'yes' if args.redis else 'no'}.")
    print(f"Paced: {args.rate:g} msg/s for {args.seconds:g} s from {args.senders} senders; "
          f"flood: {args.flood_senders} closed-loop senders for {args.flood_seconds:g} s.\n")
    print("Delivered counts messages at the receivers; the app sends messages committed together as one")
    print("frame (a list), the bare server one frame per message: frames/s shows the difference.\n")
    print("Server CPU per message: the server's user + system CPU during the flood (and the 2 s after it)")
    print("divided by the messages sent, fan-out to all N included.\n")
    print("| server | N | paced p50 / p99 (ms) | received / expected | flood delivered msg/s | flood frames/s "
          "| flood p99 (ms) | server CPU per message (ms) | app / bare |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|")
    bare_rates = {}
    for label, f in results:
        if label.startswith("bare"):
            bare_rates[f["n"]] = f["flood_rate"]
        ratio = f["flood_rate"] / bare_rates[f["n"]] if not label.startswith("bare") and bare_rates.get(f["n"]) else None
        print(f"| {label} | {f['n']} | {f['p50']:.1f} / {f['p99']:.1f} | {f['paced_received']} / {f['paced_expected']}"
              f"{' (' + str(f['refused']) + ' refused)' if f['refused'] else ''} | {f['flood_rate']:,.0f} | "
              f"{f['flood_frame_rate']:,.0f} | "
              f"{f['flood_p99']:.0f} | {f['cpu_per_message']:.2f} | {'' if ratio is None else f'{ratio:.0%}'} |")


if __name__ == "__main__":
    main()
