"""A small keep-alive HTTP load generator for machines without wrk: processes of threads, fixed duration."""
import http.client
import multiprocessing
import threading
import time
from urllib.parse import urlsplit


def _worker(url, connections, duration, queue):
    parts = urlsplit(url)
    latencies, failures = [], [0]
    stop = time.monotonic() + duration

    def loop():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                conn.request("GET", parts.path or "/")
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    failures[0] += 1
            except (OSError, http.client.HTTPException):
                failures[0] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            latencies.append((time.perf_counter() - started) * 1000)
        conn.close()

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put((latencies, failures[0]))


def python_load(url, connections, duration, processes=2):
    """Requests/s and p50/p99 latency (ms) over `duration` seconds with `connections` open connections."""
    queue = multiprocessing.Queue()
    per = max(connections // processes, 1)
    procs = [multiprocessing.Process(target=_worker, args=(url, per, duration, queue)) for _ in range(processes)]
    for p in procs:
        p.start()
    latencies, failures = [], 0
    for _ in procs:
        lat, fail = queue.get()
        latencies += lat
        failures += fail
    for p in procs:
        p.join()
    latencies.sort()
    pick = lambda q: latencies[min(int(q * len(latencies)), len(latencies) - 1)] if latencies else 0.0  # noqa: E731
    return {"rps": len(latencies) / duration, "p50": pick(0.50), "p99": pick(0.99), "non2xx": failures, "errors": ""}
