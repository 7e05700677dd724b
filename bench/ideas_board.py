"""Feature-request board benchmark: page 1 of every sort, and a full CSV export's reads, on a synthetic board.

    .venv/bin/python -m bench.ideas_board [--requests 5000] [--votes 200000] [--members 5000] [--repeat 15]
                                            [--postgres]

Builds the board straight into the tables (members, 10 categories, feature requests, votes with a
long-tailed spread over requests and dates up to two years back), then times what a page of /ideas
reads: the board query with its count, authors and the per-row customer-voter and recent-vote counts.
SQLite in a temporary file by default; --postgres uses TEST_POSTGRES_URL in its own schema, dropped
afterwards (no ANALYZE, as a freshly loaded database would be). Run from the repository root.
"""
import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta

from community import create_app
from community.auth.models import User
from community.config import TestingConfig
from community.database import utcnow
from community.extensions import db
from community.forum.models import Category, Thread
from community.ideas import queries
from community.ideas.models import Vote


def build(members, requests, votes, seed=1):
    rng = random.Random(seed)
    now = utcnow()
    db.session.execute(db.insert(User), [dict(
        id=i, username=f"u{i}", username_lower=f"u{i}", email=f"u{i}@example.com", password_hash="x",
        role="product_manager" if i % 50 == 0 else "member", session_token="") for i in range(1, members + 1)])
    db.session.execute(db.insert(Category), [dict(id=i, name=f"Area {i}", slug=f"area-{i}") for i in range(1, 11)])
    db.session.execute(db.insert(Thread), [dict(
        id=i, category_id=rng.randint(1, 10), author_id=rng.randint(1, members), title=f"Request {i}",
        slug=f"request-{i}", created_at=now - timedelta(days=rng.randint(0, 700)), last_posted_at=now,
        is_feature_request=True, request_status=rng.choice(["open", "planned", "shipped"]))
        for i in range(1, requests + 1)])
    pairs = set()
    while len(pairs) < votes:
        # Long-tailed: a few requests gather most votes, as on real boards.
        pairs.add((int(rng.paretovariate(1.2)) % requests + 1, rng.randint(1, members)))
    rows = [dict(thread_id=t, user_id=u, created_at=now - timedelta(days=rng.randint(0, 700))) for t, u in pairs]
    for start in range(0, len(rows), 20000):
        db.session.execute(db.insert(Vote), rows[start:start + 20000])
    db.session.execute(db.text("UPDATE threads SET vote_count = "
                               "(SELECT count(*) FROM request_votes v WHERE v.thread_id = threads.id)"))
    db.session.commit()


def measure(app, repeat):
    viewer = db.session.get(User, 50)  # a product manager: sees every category, like the export
    for sort in queries.SORTS:
        times = []
        for _ in range(repeat):
            db.session.expire_all()
            started = time.perf_counter()
            with app.test_request_context():
                page = queries.board(viewer, sort=sort, page=1, per_page=30)
                queries.row_stats(page.items)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[max(int(len(times) * 0.95) - 1, 0)]
        print(f"  board sort={sort:8s} page 1 + row counts: p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")
    started = time.perf_counter()
    count = sum(1 for _ in queries.export_rows(viewer, sort="votes"))
    print(f"  export reads ({count} requests): {(time.perf_counter() - started) * 1000:.0f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--votes", type=int, default=200000)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    with tempfile.TemporaryDirectory() as tmp:
        schema = None
        if args.postgres:
            import os

            import psycopg

            url = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
            schema = f"bench_ideas_{os.getpid()}"
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            uri = url.replace("postgresql://", "postgresql+psycopg://", 1) + f"?options=-csearch_path%3D{schema}"
        else:
            uri = f"sqlite:///{tmp}/bench.db"
        app = create_app({**config, "SQLALCHEMY_DATABASE_URI": uri, "SEARCH_INDEX_DIR": f"{tmp}/index"})
        try:
            with app.app_context():
                db.create_all()
                started = time.perf_counter()
                build(args.members, args.requests, args.votes)
                print(f"{args.requests} requests, {args.votes} votes, {args.members} members on "
                      f"{db.engine.dialect.name} (built in {time.perf_counter() - started:.1f} s)")
                measure(app, args.repeat)
                db.session.remove()
                db.engine.dispose()
        finally:
            if schema:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


if __name__ == "__main__":
    main()
