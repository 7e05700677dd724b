"""Search query latency on a kept work directory, without rebuilding: the whole results page as a member sees it.

    .venv/bin/python bench/search_queries.py --reuse /tmp/tummler-bench-XXXX [--repeat 5] [--code DIR]
    .venv/bin/python bench/search_queries.py --reuse /tmp/tummler-bench-XXXX --after-commits 5 [--code DIR]

Runs bench/search.py's query sets (single term, two terms, phrase, filtered, sorted by votes) through
`community.search.queries.search` for a member, as bench/search.py does (one warm-up pass, then `--repeat` timed
runs of each query; here Whoosh's runs of a query come together, then FTS5's), beside the same FTS5 queries, and prints p50/p95 per kind, the slowest queries and the load
average. `--code DIR` imports `community` from another checkout (e.g. `git archive` of an earlier commit into DIR),
so two versions can be compared on the same index within one locked run. The index is only read.

`--after-commits N` instead times the first search after an index commit: on a copy of the work directory (the
kept one is not changed), N times a reply is posted through `create_post`, the indexer applies it (a new index
version), and `app` is searched twice: the first search pays for the new version, the second is warm.
"""
import argparse
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import load_average, measure_queries, open_threads, reuse_app, timed  # noqa: E402


def run(workdir, repeat):
    app, workdir = reuse_app(workdir)
    with app.app_context(), app.test_request_context("/"):
        from sqlalchemy import func, select

        from community.auth.models import User
        from community.extensions import db
        from community.forum.models import Post
        from community.search.queries import search

        member = db.session.scalars(select(User).where(User.role == "member")).first()
        conn = sqlite3.connect(str(Path(workdir) / "fts.db"))
        posts = db.session.scalar(select(func.count(Post.id)))
        started = time.perf_counter()
        search(member, "app")
        print(f"## {posts:,} posts in {workdir}; code from {Path(sys.modules['community'].__file__).parent.parent}")
        print(f"first query (nothing cached): {(time.perf_counter() - started) * 1000:.0f} ms; "
              f"load average {load_average()}")
        measure_queries(conn, db, User, search, repeat)
        print(f"load average {load_average()}")
        conn.close()


def after_commits(workdir, commits):
    import shutil
    import tempfile

    copy = Path(tempfile.mkdtemp(prefix="tummler-bench-copy-"))
    shutil.copyfile(Path(workdir) / "bench.db", copy / "bench.db")
    shutil.copytree(Path(workdir) / "index", copy / "index")
    try:
        app, _ = reuse_app(copy)
        with app.app_context(), app.test_request_context("/"):
            from sqlalchemy import select

            from community.auth.models import User
            from community.extensions import db
            from community.forum.actions import create_post
            from community.search.indexer import apply_pending
            from community.search.queries import search

            db.create_all()  # tables added to the app since the work directory was made; the copy only
            member = db.session.scalars(select(User).where(User.role == "member")).first()
            pm = db.session.scalars(select(User).where(User.role == "product_manager")).first()
            thread = open_threads(1)[0]
            print(f"code from {Path(sys.modules['community'].__file__).parent.parent}")
            search(member, "app")
            for i in range(commits):
                create_post(pm, thread, f"Another reply {i} about the app update.")
                apply_pending()
                first = timed(lambda: search(member, "app"), 1)[0]
                warm = timed(lambda: search(member, "app"), 1)[0]
                print(f"commit {i + 1}: first search {first * 1000:.0f} ms, next {warm * 1000:.0f} ms; "
                      f"load average {load_average()}")
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description="Search query latency on a kept bench/search.py work directory.")
    parser.add_argument("--reuse", required=True, help="Work directory of a bench/search.py run.")
    parser.add_argument("--repeat", type=int, default=3, help="Timed runs of each query.")
    parser.add_argument("--code", help="Import community from this checkout instead of this one.")
    parser.add_argument("--after-commits", type=int, help="Time the first search after each of this many commits.")
    args = parser.parse_args()
    if args.code:
        sys.path.insert(0, str(Path(args.code).resolve()))
    if args.after_commits:
        after_commits(args.reuse, args.after_commits)
    else:
        run(args.reuse, args.repeat)


if __name__ == "__main__":
    main()
