"""The real Tummler app for benchmarks, with thread pages showing 50 posts (the measured page)."""
import os

from community import create_app

app = create_app({
    "POSTS_PER_PAGE": int(os.environ.get("BENCH_POSTS_PER_PAGE", "50")),
    # At this size the indexer runs as its own process (`flask search worker`), not inside page workers.
    "SEARCH_INDEXER_IN_PROCESS": False,
})
