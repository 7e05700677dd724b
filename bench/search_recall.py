"""Recall@10 of the labelled paraphrase set (tests/search/paraphrases.json) with and without each technique.

    .venv/bin/python bench/search_recall.py [--threads 150]

The paraphrased requests are posted into the demo community (so they compete with hundreds of real-looking
threads), the index is rebuilt (which learns related terms), then each product-manager query is run:
  plain words          no stemming, no accent folding, no related terms (Whoosh's default-style analyzer)
  stemming + folding   the app's analyzer
  + related terms      the app's analyzer and the co-occurrence terms learned by `flask search rebuild`
                       (default search: threads with only some words fill a first page that is short)
  + some-words ranked in  search(widen="always"): threads with some of the words ranked with the rest
  + sentence embeddings   default search plus the threads nearest in meaning (optional extra, `make embeddings`)

Recall is also given on the even- and odd-numbered pairs separately: nothing is tuned on this set, and the two
halves show how much a figure moves with the queries chosen. With the extra installed the cost is measured too:
encoding every thread at rebuild, and query latency with and without embeddings.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_corpus import load_demo_corpus, make_app  # noqa: E402

PAIRS = json.loads((ROOT / "tests/search/paraphrases.json").read_text())["pairs"]


def _plain_index(docs):
    """The same documents in a RAM index whose text fields only split and lower-case (no stems, no folding)."""
    from whoosh.analysis import LowercaseFilter, RegexTokenizer, StopFilter
    from whoosh.fields import TEXT
    from whoosh.filedb.filestore import RamStorage

    from community.search.schema import make_schema

    schema = make_schema()
    plain = RegexTokenizer() | LowercaseFilter() | StopFilter()
    schema.remove("title"), schema.remove("text")
    schema.add("title", TEXT(analyzer=plain, stored=True, field_boost=2.0))
    schema.add("text", TEXT(analyzer=plain, stored=True))
    ix = RamStorage().create_index(schema)
    with ix.writer() as writer:
        for doc in docs:
            writer.add_document(**doc)
    return ix


def _top_threads_plain(ix, query, n=10):
    from community.search.parsing import parse

    with ix.searcher() as searcher:
        hits = searcher.search(parse(ix.schema, query).query, limit=200)
        order = []
        for hit in hits:
            if hit["thread_id"] not in order:
                order.append(hit["thread_id"])
        return order[:n]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=150)
    args = parser.parse_args()
    app, workdir = make_app()
    with app.app_context(), app.test_request_context("/"):
        from sqlalchemy import select

        from community.auth.models import User
        from community.extensions import db
        from community.forum.actions import create_thread
        from community.forum.models import Category
        from community.search.documents import document_for, iter_posts
        from community.search.indexer import rebuild
        from community.search.queries import search

        load_demo_corpus(args.threads)
        members = db.session.scalars(select(User).where(User.role == "member").order_by(User.id)).all()
        pm = db.session.scalars(select(User).where(User.role == "product_manager")).first()
        categories = [c for c in db.session.scalars(select(Category).order_by(Category.position))
                      if not c.staff_only and not c.read_only]
        targets = []
        for i, pair in enumerate(PAIRS):
            thread = create_thread(members[i % len(members)], categories[i % len(categories)], pair["title"],
                                   pair["body"], is_feature_request=True)
            targets.append((pair["query"], thread.id))
        from community.search import embeddings

        app.config["SEARCH_EMBEDDINGS"] = False
        started = time.perf_counter()
        posts = rebuild()
        words_time = time.perf_counter() - started
        docs = [document_for(p) for batch in iter_posts() for p in batch]
        plain_ix = _plain_index(docs)
        vectors_time = None
        if embeddings.available():
            app.config["SEARCH_EMBEDDINGS"] = True
            started = time.perf_counter()
            embeddings.encode(["warm up"])  # loading the model is a once-per-process cost, timed apart
            load_time = time.perf_counter() - started
            started = time.perf_counter()
            rebuild()
            vectors_time = time.perf_counter() - started
            app.config["SEARCH_EMBEDDINGS"] = False

        def ids(q, **kwargs):
            return [t.thread_id for t in search(pm, q, per_page=10, **kwargs).threads]

        def with_embeddings(q):
            app.config["SEARCH_EMBEDDINGS"] = True
            try:
                return ids(q)
            finally:
                app.config["SEARCH_EMBEDDINGS"] = False

        variants = {
            "plain words": lambda q: _top_threads_plain(plain_ix, q),
            "stemming + folding": lambda q: ids(q, use_related=False),
            "+ related terms (PMI)": ids,
            "+ some-words ranked in": lambda q: ids(q, widen="always"),
        }
        if embeddings.available():
            variants["+ sentence embeddings"] = with_embeddings
        print(f"corpus: {posts} posts ({args.threads} demo threads + {len(PAIRS)} paraphrased requests)")
        print(f"{'technique':<24} recall@10          even pairs  odd pairs")
        misses = {}
        for name, run in variants.items():
            found = [tid in run(q) for q, tid in targets]
            misses[name] = [q for (q, _), ok in zip(targets, found) if not ok]
            even, odd = sum(found[0::2]), sum(found[1::2])
            print(f"{name:<24} {sum(found) / len(found):.2f}  ({sum(found)}/{len(found)})   "
                  f"{even}/{len(found[0::2])}        {odd}/{len(found[1::2])}")
        if not embeddings.available():
            print(f"{'+ sentence embeddings':<24} not measured: optional extra not installed (make embeddings)")
            print("still missed:", ", ".join(misses["+ some-words ranked in"]) or "none")
            return
        print("still missed:", ", ".join(misses["+ sentence embeddings"]) or "none")
        threads = len(embeddings.load(app.config["SEARCH_INDEX_DIR"]).doc_ids)
        print(f"model load: {load_time:.1f}s once per process; rebuild {words_time:.1f}s without the extra, "
              f"{vectors_time:.1f}s with vectors for {threads} threads (from none)")
        embeddings._queries.clear()
        for label, run in (("words + related terms", ids), ("+ sentence embeddings", with_embeddings),
                           ("+ embeddings, query remembered", with_embeddings)):
            times = []
            for q, _ in targets:
                started = time.perf_counter()
                run(q)
                times.append(time.perf_counter() - started)
            print(f"query latency, {label}: median {statistics.median(times) * 1000:.0f} ms, "
                  f"max {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
