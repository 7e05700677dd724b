"""Floor benchmark: how long each floor read takes, and how many queries it needs, as the community grows.

    .venv/bin/python bench/floor.py --threads 2000 20000 [--repeat 5]
    .venv/bin/python bench/floor.py --database /tmp/tummler-bench-xxxx/bench.db   (re-measure a loaded one)

For each size: load the demo community into a fresh migrated SQLite database, then time the chime-in
queue, edges of the crowd (with suggestions), the spotlight meter (7/30/90 days), introduction
suggestions, the welcome list and the composer check, reporting the median and worst of --repeat runs
and the number of SQL statements each one issues.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_corpus import load_demo_corpus, make_app  # noqa: E402


def measure(run, repeat):
    from sqlalchemy import event

    from community.extensions import db

    statements = []
    timings = []
    for i in range(repeat):
        db.session.expunge_all()  # every run starts cold, like a fresh request
        listener = (lambda *args: statements.append(1)) if i == 0 else None
        if listener:
            event.listen(db.engine, "before_cursor_execute", listener)
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
        if listener:
            event.remove(db.engine, "before_cursor_execute", listener)
    return statistics.median(timings) * 1000, max(timings) * 1000, len(statements)


def readings(repeat):
    from sqlalchemy import select

    from community.auth.models import User
    from community.extensions import db
    from community.forum.models import Thread
    from community.hosting import floor, people, promo

    facilitator = db.session.scalar(select(User).where(User.role == "facilitator"))
    busiest = db.session.scalar(select(Thread).order_by(Thread.reply_count.desc()).limit(1))
    body = "Hold the button for ten seconds. " * 40 + "It is only $19.99, buy now at https://shop.example.com/x"
    cases = {
        "chime-in queue": floor.chime_in_queue,
        "edges of the crowd": people.edges_of_the_crowd,
        "spotlight 7 days": lambda: floor.spotlight(7),
        "spotlight 90 days": lambda: floor.spotlight(90),
        "introduction suggestions": people.introduction_suggestions,
        "members to welcome": people.members_to_welcome,
        "composer check (1.4 kB)": lambda: (promo.find_promotional(body),
                                           promo.spotlight_warning(facilitator, db.session.get(Thread, busiest.id))),
    }
    with click.progressbar(cases.items(), label="floor reads", item_show_func=lambda c: c and c[0]) as bar:
        return [(name, *measure(run, repeat)) for name, run in bar]


def existing_app(database):
    """An app on an SQLite file that already holds a loaded demo community."""
    import tempfile

    from community import create_app

    workdir = Path(tempfile.mkdtemp(prefix="tummler-bench-"))
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(database).resolve()}",
                       "SEARCH_INDEX_DIR": str(workdir / "index"), "SEARCH_INDEXER_IN_PROCESS": False,
                       "SECRET_KEY": "bench", "LOAD_DEMO_ON_FIRST_RUN": False})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="an SQLite file the demo was loaded into earlier: measure it as it is")
    args = parser.parse_args()
    for size in [None] if args.database else args.threads:
        app = existing_app(args.database) if args.database else make_app()[0]
        with app.app_context():
            started = time.perf_counter()
            if size:
                load_demo_corpus(size)
            from sqlalchemy import func, select

            from community.auth.models import User
            from community.extensions import db
            from community.forum.models import Post, Thread
            posts = db.session.scalar(select(func.count(Post.id)))
            members = db.session.scalar(select(func.count(User.id)))
            threads = db.session.scalar(select(func.count(Thread.id)))
            print(f"\n{threads} threads, {posts} posts, {members} members (ready in {time.perf_counter() - started:.0f} s)")
            rows = readings(args.repeat)
        print(f"{'read':28} {'median ms':>10} {'worst ms':>10} {'queries':>8}")
        for name, median, worst, queries in rows:
            print(f"{name:28} {median:10.1f} {worst:10.1f} {queries:8d}")


if __name__ == "__main__":
    main()
