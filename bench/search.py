"""Search benchmark: Whoosh (the app's index and queries) beside SQLite FTS5 bm25 over the same demo corpus.

    .venv/bin/python bench/search.py --posts 10000 100000 [--repeat 3]
    .venv/bin/python bench/search.py --reuse WORKDIR [--no-queries]        # rebuild (+ queries) on a kept run
    .venv/bin/python bench/search.py --copy-from WORKDIR [--no-queries]    # the same on a copy of its database
    ... --reuse/--copy-from WORKDIR --embeddings     # also: encode every thread, queries with embeddings
    ... --reuse/--copy-from WORKDIR --pool-mb 256 --procs 2   # rebuild settings to compare (CPU time printed)

For each size: load the demo generator's community into a fresh SQLite database, rebuild the index
(`flask search rebuild` code path), build an FTS5 table of the same text, then measure bulk index
throughput, index size, incremental add latency (commit → searchable through the outbox) and query
p50/p95 for single-term, two-term, phrase, filtered and sorted queries. Every Whoosh query is the full
results page: visibility filter, thread grouping, highlights and category/tag facets. FTS5 queries are
top-20 bm25 with snippet() plus a category facet count, the nearest like-for-like.
"""
import argparse
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_corpus import load_demo_corpus, make_app  # noqa: E402

QUERIES = {
    "single-term": ["kettle", "firmware", "schedule", "wifi", "beeps", "grinder", "humidity", "app", "update",
                    "thermostat"],
    "two-term": ["kettle schedule", "firmware update", "wifi pairing", "coffee burnt", "heating night",
                 "app crash", "basket coating", "energy report", "silent mode", "battery sensor"],
    "phrase": ['"silent mode"', '"the app"', '"firmware update"', '"holiday mode"', '"child lock"',
               '"web dashboard"', '"keep-warm mode"', '"bean profiles"', '"status led"', '"open api"'],
    "filtered": ["kettle tag:kettle", "update is:feature-request", "schedule category:ideas", "wifi tag:wifi",
                 "app status:planned", "firmware tag:firmware", "coffee is:feature-request", "heating tag:thermostat",
                 "app after:2026-01-01", "mode is:feature-request"],
    "sorted by votes": ["kettle", "app", "mode", "schedule", "firmware", "wifi", "energy", "coffee", "update",
                        "sensor"],
}
FTS_FILTERS = {"tag:": "tags", "category:": "category"}


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def build_fts(path, docs):
    """The reference a user might otherwise pick: an FTS5 table (porter stemming) over the same text."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE posts USING fts5(title, text, category UNINDEXED, tags UNINDEXED, "
                 "thread_id UNINDEXED, tokenize='porter unicode61 remove_diacritics 2')")
    started = time.perf_counter()
    conn.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, ?)",
                     [(d["title"], d["text"], d["category"], d["tags"], d["thread_id"]) for d in docs])
    conn.commit()
    return conn, time.perf_counter() - started


def fts_query(conn, q):
    where, params = [], []
    words = []
    for part in q.split(" ") if not q.startswith('"') else [q]:
        for prefix, column in FTS_FILTERS.items():
            if part.startswith(prefix):
                where.append(f"{column} LIKE ?")
                params.append(f"%{part[len(prefix):]}%")
                break
        else:
            if ":" not in part:
                words.append(part)
    match = " ".join(words) or q
    sql = ("SELECT thread_id, snippet(posts, 1, '<mark>', '</mark>', '…', 12) FROM posts WHERE posts MATCH ? "
           + "".join(f" AND {w}" for w in where) + " ORDER BY bm25(posts) LIMIT 20")
    rows = conn.execute(sql, [match] + params).fetchall()
    facets = conn.execute("SELECT category, count(*) FROM posts WHERE posts MATCH ?"
                          + "".join(f" AND {w}" for w in where) + " GROUP BY category", [match] + params).fetchall()
    return rows, facets


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def reuse_app(workdir):
    """An app on the database and index a previous run left in workdir (queries only)."""
    import os

    from community import create_app

    os.environ["INSTANCE_PATH"] = str(Path(workdir) / "instance")
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(workdir) / 'bench.db'}",
                       "SEARCH_INDEX_DIR": str(Path(workdir) / "index"), "SEARCH_INDEXER_IN_PROCESS": False,
                       "SECRET_KEY": "bench", "SEARCH_EMBEDDINGS": False}), Path(workdir)


def copy_workdir(source, with_index=False):
    """A new work directory holding a copy of an earlier run's databases, and of its index when asked (a
    rebuild makes its own; incremental adds need the full one)."""
    import shutil
    import tempfile

    target = Path(tempfile.mkdtemp(prefix="tummler-bench-"))
    for name in ("bench.db", "fts.db"):
        shutil.copyfile(Path(source) / name, target / name)
    if with_index:
        shutil.copytree(Path(source) / "index", target / "index")
    return target


def measure_embeddings(app, conn, db, User, search, repeat, queries):
    """The optional extra's cost: every thread encoded from scratch, then the queries with embeddings on."""
    from community.search import embeddings
    from community.search.documents import document_for, iter_posts
    from community.search.indexer import index_dir

    if not embeddings.available():
        print("embeddings: optional extra not installed (make embeddings); not measured")
        return
    for name in (embeddings.VECTORS, embeddings.KEYS):
        (Path(index_dir()) / name).unlink(missing_ok=True)
    started = time.perf_counter()
    embeddings.encode(["warm up"])
    loaded = time.perf_counter() - started
    openings = [(d["id"], d["title"], d["text"]) for batch in iter_posts() for d in map(document_for, batch)
                if d["number"] == 1]
    started = time.perf_counter()
    embeddings.build(index_dir(), openings)
    elapsed = time.perf_counter() - started
    print(f"Thread vectors: {len(openings):,} threads in {elapsed:.1f}s = {len(openings) / elapsed:,.1f} threads/s "
          f"(model load {loaded:.1f}s); load average {load_average()}")
    if queries:
        app.config["SEARCH_EMBEDDINGS"] = True
        print("queries with embeddings (each query text encoded once, then remembered):")
        measure_queries(conn, db, User, search, repeat)
        app.config["SEARCH_EMBEDDINGS"] = False


def open_threads(count):
    """Threads anyone may reply to at once (not deleted, locked, closing, slowed or moved)."""
    from sqlalchemy import select

    from community.extensions import db
    from community.forum.models import Thread

    return db.session.scalars(select(Thread).where(
        Thread.deleted_at.is_(None), Thread.locked.is_(False), Thread.closes_at.is_(None),
        Thread.slow_mode_seconds == 0, Thread.redirect_to_id.is_(None)).limit(count)).all()


def measure_adds(count):
    """Seconds from posting a reply to finding it: commit, outbox row, indexer apply, search; `count` times."""
    from sqlalchemy import select

    from community.auth.models import User
    from community.extensions import db
    from community.forum.actions import create_post
    from community.search.indexer import apply_pending
    from community.search.queries import search

    pm = db.session.scalars(select(User).where(User.role == "product_manager")).first()
    threads = open_threads(count)
    times = []
    for i, thread in enumerate(threads):
        word = f"zyxcorp{time.time_ns() % 10**9}x{i}"
        started = time.perf_counter()
        create_post(pm, thread, f"Benchmark reply {i}: the {word} integration would help my routines.")
        apply_pending()
        found = search(pm, word).total
        times.append(time.perf_counter() - started)
        assert found == 1, f"new post {i} not searchable"
    return times


def run_size(posts_wanted, repeat, reuse=None, queries=True, with_embeddings=False, procs=1, adds_only=False):
    app, workdir = reuse_app(reuse) if reuse else make_app()
    print(f"work directory: {workdir}")
    with app.app_context(), app.test_request_context("/"):
        from sqlalchemy import func, select

        from community.auth.models import User
        from community.extensions import db
        from community.forum.actions import create_post
        from community.forum.models import Post, Thread
        from community.search.documents import document_for, iter_posts
        from community.search.indexer import apply_pending, index_dir, rebuild
        from community.search.queries import search
        from community.search.store import index_size_bytes

        if reuse and adds_only:
            from community.search.indexer import current_index

            posts = db.session.scalar(select(func.count(Post.id)))
            indexed = current_index().doc_count()
            if indexed < posts:
                sys.exit(f"the index in {workdir} holds {indexed:,} of {posts:,} posts: copy a built one "
                         f"(--copy-from copies it with --adds-only) or rebuild first")
            db.create_all()  # tables added since the work directory was made (the copy only)
            before = load_average()
            add_times = measure_adds(20)
            print(f"\n## {posts:,} posts (reusing {workdir}: incremental adds only)")
            print(f"Incremental add (commit, outbox, apply, searchable), 20 replies: p50 {pct(add_times, 50):.0f} ms, "
                  f"p95 {pct(add_times, 95):.0f} ms, max {max(add_times) * 1000:.0f} ms; load average {before} before, "
                  f"{load_average()} after")
            return
        if reuse:
            posts = db.session.scalar(select(func.count(Post.id)))
            conn = sqlite3.connect(str(workdir / "fts.db"))
            print(f"\n## {posts:,} posts (reusing {workdir}: rebuild and queries)")
            import resource

            before = load_average()
            started, cpu = time.perf_counter(), time.process_time()
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            rebuild(procs=procs)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            workers = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
            print(f"Whoosh rebuild: {elapsed:.1f}s = {posts / elapsed:,.0f} posts/s; CPU {cpu:.1f}s"
                  f"{f' + workers {workers:.1f}s' if procs > 1 else ''}; peak RSS "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
                  f"index {index_size_bytes(index_dir()) / 1e6:.1f} MB; load average {before} before, "
                  f"{load_average()} after")
            if queries:
                measure_queries(conn, db, User, search, repeat)
            if with_embeddings:
                measure_embeddings(app, conn, db, User, search, repeat, queries)
            return
        started = time.perf_counter()
        load_demo_corpus(max(posts_wanted // 6, 10))
        load_time = time.perf_counter() - started
        posts = db.session.scalar(select(func.count(Post.id)))

        started = time.perf_counter()
        rebuild()
        rebuild_time = time.perf_counter() - started
        size = index_size_bytes(index_dir())

        docs = [document_for(p) for batch in iter_posts() for p in batch]
        conn, fts_time = build_fts(str(workdir / "fts.db"), docs)
        del docs
        fts_size = (workdir / "fts.db").stat().st_size

        add_times = measure_adds(20)

        print(f"\n## {posts:,} posts (demo generator, {load_time:.0f}s to load)")
        print(f"Whoosh rebuild: {rebuild_time:.1f}s = {posts / rebuild_time:,.0f} posts/s "
              f"(incl. related-term learning); index {size / 1e6:.1f} MB")
        print(f"FTS5 build: {fts_time:.1f}s = {posts / fts_time:,.0f} posts/s; database {fts_size / 1e6:.1f} MB")
        print(f"Incremental add (commit, outbox, apply, searchable): p50 {pct(add_times, 50):.0f} ms, "
              f"p95 {pct(add_times, 95):.0f} ms")
        measure_queries(conn, db, User, search, repeat)
        conn.close()


def load_average():
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def measure_queries(conn, db, User, search, repeat):
    """p50/p95 per query kind for a member, Whoosh beside FTS5, with each kind's two slowest Whoosh queries."""
    from sqlalchemy import select

    member = db.session.scalars(select(User).where(User.role == "member")).first()
    print(f"{'query kind':<18} {'Whoosh p50':>11} {'Whoosh p95':>11} {'FTS5 p50':>9} {'FTS5 p95':>9}  slowest")
    for kind, queries in QUERIES.items():
        sort = "votes" if kind == "sorted by votes" else "relevance"
        for q in queries:  # warm caches once, as a running server would have
            search(member, q, sort=sort)
            fts_query(conn, q)
        w_times, f_times, worst = [], [], {}
        for q in queries:
            times = timed(lambda: search(member, q, sort=sort), repeat)
            w_times += times
            worst[q] = max(times)
            f_times += timed(lambda: fts_query(conn, q), repeat)
        slowest = ", ".join(f"{q} {t * 1000:.0f}" for q, t in sorted(worst.items(), key=lambda kv: -kv[1])[:2])
        print(f"{kind:<18} {pct(w_times, 50):>9.1f}ms {pct(w_times, 95):>9.1f}ms "
              f"{pct(f_times, 50):>7.1f}ms {pct(f_times, 95):>7.1f}ms  {slowest}")


def main():
    parser = argparse.ArgumentParser(description="Whoosh vs SQLite FTS5 over the demo corpus.")
    parser.add_argument("--posts", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--repeat", type=int, default=3, help="Timed runs of each query.")
    parser.add_argument("--reuse", help="Work directory of an earlier run: rebuild and queries only.")
    parser.add_argument("--copy-from", help="Like --reuse, on a copy of that run's databases in a new work directory.")
    parser.add_argument("--no-queries", action="store_true", help="With --reuse or --copy-from: rebuild only.")
    parser.add_argument("--adds-only", action="store_true",
                        help="With --copy-from: only time 20 new replies from commit to searchable (no rebuild).")
    parser.add_argument("--procs", type=int, default=1, help="With --reuse or --copy-from: rebuild --procs.")
    parser.add_argument("--pool-mb", type=int, help="With --reuse or --copy-from: the rebuild's postings pool.")
    parser.add_argument("--embeddings", action="store_true",
                        help="With --reuse or --copy-from: also time thread vectors and queries using them.")
    args = parser.parse_args()
    reuse = str(copy_workdir(args.copy_from, with_index=args.adds_only)) if args.copy_from else args.reuse
    if args.pool_mb:
        os.environ["SEARCH_REBUILD_MEMORY_MB"] = str(args.pool_mb)  # read by community.config on import
    if reuse:
        run_size(0, args.repeat, reuse=reuse, queries=not args.no_queries, with_embeddings=args.embeddings,
                 procs=args.procs, adds_only=args.adds_only)
        return
    for size in args.posts:
        run_size(size, args.repeat)


if __name__ == "__main__":
    main()
