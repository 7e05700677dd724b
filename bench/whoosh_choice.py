"""Compare Whoosh builds for this app: hostile queries through our parser, writer contention, indexing speed.

Run once per build and compare the output:
    .venv/bin/python bench/whoosh_choice.py                                  # whoosh3 (installed)
    pip install --target /tmp/whoosh274 whoosh==2.7.4
    PYTHONPATH=/tmp/whoosh274 .venv/bin/python bench/whoosh_choice.py        # whoosh 2.7.4
"""
import json
import random
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import whoosh  # noqa: E402
from whoosh import index  # noqa: E402
from whoosh.index import LockError  # noqa: E402

from community.search.parsing import make_parser  # noqa: E402  (imports whoosh only)
from community.search.schema import make_schema  # noqa: E402

HOSTILE = ROOT.parent / "shared/data/security/search/whoosh/whoosh-hostile-queries.json"
WORDS = ("billing annual invoice export dashboard dark mode mobile offline sync calendar webhook api "
         "pricing discount team seats login sso report csv excel notification email slack").split()


def _doc(i, rng):
    text = " ".join(rng.choice(WORDS) for _ in range(40))
    return {"id": f"p:{i}", "kind": "post", "post_id": i, "thread_id": i // 3, "number": i % 3 + 1,
            "title": text[:40] if i % 3 == 0 else "", "thread_title": text[:40], "text": text,
            "author": f"user{i % 50}", "author_id": i % 50, "category": "ideas", "category_id": 1,
            "tags": "pricing,api", "created": datetime(2026, 1, 1) + timedelta(minutes=i), "likes": i % 7,
            "votes": i % 11, "feature": i % 2 == 0, "status": "open", "state": "published", "deleted": False,
            "thread_deleted": False, "staff_only": False, "redirected": False}


def hostile(ix):
    queries = json.loads(HOSTILE.read_text())["queries"]
    failures = []
    with ix.searcher() as searcher:
        for item in queries:
            q = item["query"]
            try:
                parsed = make_parser(ix.schema).parse(q)
                searcher.search(parsed, limit=10)
                # The query that crashed 2.7.4 upstream: the same string through the DATETIME field parser.
            except Exception as error:  # noqa: BLE001 - we are counting crashes
                failures.append((q, type(error).__name__))
    return len(queries), failures


def contention(ix):
    """A second writer while one is open: does it fail at once, and does waiting work?"""
    first = ix.writer()
    try:
        ix.writer()
        immediate = "second writer opened (no lock?)"
    except LockError:
        immediate = "LockError at once"
    threading.Timer(0.2, first.commit).start()
    started = time.monotonic()
    second = None
    try:
        second = ix.writer(timeout=2.0)
        waited = f"timeout=2.0 waited {time.monotonic() - started:.2f}s and got the lock"
    except LockError:
        waited = "timeout=2.0 still raised LockError"
    if second is not None:
        second.cancel()
    return immediate, waited


def main():
    rng = random.Random(4)
    with tempfile.TemporaryDirectory() as tmp:
        ix = index.create_in(tmp, make_schema())
        started = time.monotonic()
        writer = ix.writer(limitmb=128)
        n = 5000
        for i in range(n):
            writer.add_document(**_doc(i, rng))
        writer.commit()
        rate = n / (time.monotonic() - started)
        total, failures = hostile(ix)
        immediate, waited = contention(ix)
    print(f"whoosh {whoosh.versionstring()}")
    print(f"hostile queries through the app's parser: {total - len(failures)}/{total} parse+search without exception")
    for q, err in failures:
        print(f"  crash: {q!r} -> {err}")
    print(f"writer contention: {immediate}; {waited}")
    print(f"bulk indexing (app schema, stemming analyzer): {rate:.0f} docs/s")


if __name__ == "__main__":
    main()
