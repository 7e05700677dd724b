"""Shared by the search benchmarks: a throwaway app on a migrated SQLite database filled by the demo generator."""
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_app(workdir=None):
    """An app on a fresh, migrated SQLite database and an empty index under workdir (a temp dir by default)."""
    from flask_migrate import upgrade

    from community import create_app

    workdir = Path(workdir or tempfile.mkdtemp(prefix="tummler-bench-"))
    os.environ["INSTANCE_PATH"] = str(workdir / "instance")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
        "SEARCH_INDEX_DIR": str(workdir / "index"),
        "SEARCH_INDEXER_IN_PROCESS": False,
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": False,
        "LOAD_DEMO_ON_FIRST_RUN": False,
        "SEARCH_EMBEDDINGS": False,  # the optional extra is measured on its own (bench/search.py --embeddings)
    })
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app, workdir


def load_demo_corpus(threads, seed=1907):
    """The demo community: 150 lifelike threads through the real actions, the rest written in bulk."""
    from community.demo.cli import LIFELIKE_THREADS
    from community.demo.load import load_demo

    lifelike = min(threads, LIFELIKE_THREADS)
    load_demo(threads=lifelike, seed=seed, bulk_threads=threads - lifelike, echo=lambda *a, **k: None)
