"""The one indexer: applies outbox rows to the Whoosh index in order and remembers the last id applied."""
import logging
import threading
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select
from whoosh.writing import CLEAR

from ..database import utcnow
from ..extensions import db
from . import embeddings, related
from .documents import document_for, is_public, iter_posts, load_posts, post_doc_id, post_ids_for
from .models import OutboxEntry
from ..forum.models import Post
from .reading import searcher_for
from .schema import META_ID, make_schema
from .store import IndexBusy, get_writer, last_applied, open_index, recreate_index, write_bookmark, write_lock

log = logging.getLogger(__name__)
BATCH = 500


# Every write leaves outbox rows for a moment (the in-process indexer applies them well within a second); rows
# waiting longer than this mean the indexer is behind, and the search page says so. SEARCH_BEHIND_AFTER_SECONDS
# overrides it.
BEHIND_AFTER_SECONDS = 2.0
LOAD_CHUNK = 500
# Postings a rebuild sorts in memory before spilling a run to disk (Whoosh's estimate, MB). At 100k posts the
# old 256 spilled several runs and merging them was a third of the rebuild's CPU; 1024 keeps 100k posts in one
# pass (measured peak memory in docs/PERFORMANCE.md), and a larger community still spills, so memory stays bounded.
# SEARCH_REBUILD_MEMORY_MB overrides it where memory is tighter than time.
REBUILD_POOL_MB = 1024


def index_dir(app=None):
    return (app or current_app).config["SEARCH_INDEX_DIR"]


def current_index():
    return open_index(index_dir())


def pending_count():
    return db.session.scalar(select(func.count(OutboxEntry.id))) or 0


def apply_pending(limit=None, on_new_posts=None):
    """Apply every waiting outbox row (oldest first); returns how many rows were applied.

    Rows are read in id order but selected by presence, not by "id > bookmark": a transaction that took a
    lower id and committed late is still applied. Rows are deleted only after the index commit, so a crash
    in between re-applies them, which is harmless because applying re-reads the current database state.
    """
    applied = 0
    while limit is None or applied < limit:
        with write_lock:
            rows = db.session.execute(
                select(OutboxEntry.id, OutboxEntry.kind, OutboxEntry.object_id).order_by(OutboxEntry.id).limit(BATCH)
            ).all()
            if not rows:
                break
            new_public = _apply_rows(rows)
            db.session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_([r.id for r in rows])))
            db.session.commit()
        applied += len(rows)
        if new_public and on_new_posts is not None:
            on_new_posts(new_public)
    return applied


def _apply_rows(rows):
    """Write the documents the rows name; returns ids of posts that became publicly visible."""
    post_ids = []
    for row in rows:
        post_ids.extend(post_ids_for(row.kind, row.object_id))
    post_ids = list(dict.fromkeys(post_ids))
    posts = {}
    # A category rename can name every post in it: load in chunks that stay under SQL variable limits.
    for start in range(0, len(post_ids), LOAD_CHUNK):
        posts.update((p.id, p) for p in load_posts(post_ids[start:start + LOAD_CHUNK]))
    ix = current_index()
    with ix.searcher() as searcher:
        was_public = {pid for pid in post_ids if _public_in(searcher, pid)}
    writer = get_writer(ix)
    try:
        newly_public = []
        for pid in post_ids:
            post = posts.get(pid)
            if post is None:
                writer.delete_by_term("id", post_doc_id(pid))
                continue
            doc = document_for(post)
            writer.update_document(**doc)
            if is_public(doc) and pid not in was_public:
                newly_public.append(pid)
        write_bookmark(writer, max(r.id for r in rows))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    if embeddings.enabled():
        try:
            embeddings.update(index_dir(), [_opening(document_for(p)) for p in posts.values() if p.number == 1])
        except Exception:
            # Optional: the words are indexed; the thread's vector is made again at the next change or rebuild.
            log.exception("search indexer: could not update thread vectors")
    db.session.expire_all()
    return newly_public


def _opening(doc):
    return doc["id"], doc["title"], doc["text"]


def _public_in(searcher, post_id):
    doc = searcher.document(id=post_doc_id(post_id))
    return doc is not None and is_public(doc)


def rebuild(progress=None, batch_size=1000, embed_progress=None, procs=1):
    """Rebuild the whole index from the database and relearn related terms; returns the number of posts.

    procs > 1 analyses documents in that many worker processes (Whoosh's multiprocess writer, one segment
    each): faster when cores are free, but it takes them from the web workers while it runs.

    With the embedding extra, thread vectors are brought up to date after the index commit (search already
    works meanwhile); embed_progress(n) is called as threads are done.
    """
    ix = current_index()
    with write_lock:
        if sorted(ix.schema.names()) != sorted(make_schema().names()):
            # The schema changed in code: start a new index (search is empty until this rebuild commits).
            ix = recreate_index(index_dir())
        start_outbox = db.session.scalar(select(func.max(OutboxEntry.id))) or 0
        learner = related.Learner()
        openings = [] if embeddings.enabled() else None
        options = {"procs": procs, "multisegment": True} if procs > 1 else {}
        pool_mb = current_app.config.get("SEARCH_REBUILD_MEMORY_MB") or REBUILD_POOL_MB
        writer = get_writer(ix, patience=120.0, limitmb=pool_mb, **options)
        # Every segment is replaced (mergetype=CLEAR), so the new one can carry the code's current field
        # settings, such as a faster analyzer giving the same tokens, without emptying search meanwhile.
        writer.schema = make_schema()
        count = 0
        try:
            for batch in iter_posts(batch_size):
                for post in batch:
                    doc = document_for(post)
                    writer.add_document(**doc)
                    if is_public(doc) and not doc["staff_only"]:
                        learner.add(doc["title"] + " " + doc["text"])
                    if openings is not None and doc["number"] == 1:
                        openings.append(_opening(doc))
                count += len(batch)
                if progress:
                    progress(len(batch))
            write_bookmark(writer, start_outbox)
            writer.commit(mergetype=CLEAR)
        except BaseException:
            writer.cancel()
            raise
        if procs > 1:
            # Whoosh drops a worker's segment if its result is late; say so rather than serve a partial index.
            with current_index().searcher() as searcher:
                if searcher.doc_count() != count + 1:
                    raise RuntimeError(f"rebuild with {procs} processes indexed {searcher.doc_count() - 1} of "
                                       f"{count} posts; run it again (without --procs)")
        # Rows written before the rebuild started are now reflected; later ones are applied next.
        db.session.execute(delete(OutboxEntry).where(OutboxEntry.id <= start_outbox))
        db.session.commit()
        related.save(index_dir(), learner.related_terms())
    if openings is not None:
        # Outside the writer lock: new posts keep being indexed while threads are encoded.
        embeddings.build(index_dir(), openings, progress=embed_progress)
    return count


def needs_build():
    """Whether the index was never built while the database has posts (a new install, demo data bulk-loaded
    past the outbox, an index directory removed, or a schema change that started a new index)."""
    ix = current_index()
    with ix.searcher() as searcher:
        if searcher.document(id=META_ID) is not None:
            return False
    return db.session.scalar(select(Post.id).limit(1)) is not None


def ensure_built():
    """Rebuild a never-built index when the database has posts."""
    if not needs_build():
        return False
    log.info("search index is empty: rebuilding from the database")
    rebuild()
    return True


@dataclass(frozen=True)
class Progress:
    """How far search is behind the database, for the search page to say so."""

    searchable: int  # posts in the index
    total: int  # posts in the database
    waiting: int  # changes not yet applied

    @property
    def posts_missing(self):
        return self.searchable < self.total


def catching_up():
    """None while search is up to date, or behind only by the moment every write takes to index; else how far
    indexing has got: the index was never built (or is being rebuilt into a new schema), or changes have waited
    longer than BEHIND_AFTER_SECONDS. Costs one small query of the outbox while search is up to date."""
    entry = searcher_for(current_index())
    built = entry.built()
    if built:
        oldest = db.session.scalar(select(func.min(OutboxEntry.created_at)))
        patience = current_app.config.get("SEARCH_BEHIND_AFTER_SECONDS", BEHIND_AFTER_SECONDS)
        if oldest is None or (utcnow() - oldest).total_seconds() < patience:
            return None
    total = db.session.scalar(select(func.count(Post.id))) or 0
    if not built and not total:
        return None  # nothing written yet, so nothing is missing
    return Progress(searchable=entry.post_count(), total=total, waiting=pending_count())


def status():
    """How far behind the index is: rows waiting, the oldest one's age, the bookmark and document count."""
    ix = current_index()
    oldest = db.session.scalar(select(func.min(OutboxEntry.created_at)))
    with ix.searcher() as searcher:
        docs = searcher.doc_count()
    return {"pending": pending_count(), "oldest_pending": oldest, "last_applied": last_applied(ix),
            "documents": max(docs - 1, 0)}


_running = []


def wake_indexers():
    """Nudge in-process indexers: a commit just wrote outbox rows."""
    for indexer in _running:
        indexer.wake.set()


def start_in_process_indexer(app):
    """With SEARCH_INDEXER_IN_PROCESS, index in a daemon thread started by the first request (not by CLI runs)."""
    if not app.config.get("SEARCH_INDEXER_IN_PROCESS"):
        return None
    indexer = BackgroundIndexer(app)

    @app.before_request
    def ensure_indexer_running():
        if indexer.thread is None:
            indexer.start()
            _running.append(indexer)

    return indexer


class BackgroundIndexer:
    """Runs apply_pending in a daemon thread: woken after each commit that wrote outbox rows, else every second."""

    def __init__(self, app, interval=1.0):
        self.app = app
        self.interval = interval
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = None

    def start(self):
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._run, name="search-indexer", daemon=True)
            self.thread.start()

    def stop(self):
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=10)

    def _run(self):
        from .saved import notify_matches

        built = False
        while not self.stopping.is_set():
            with self.app.app_context():
                try:
                    if not built:
                        ensure_built()
                        built = True
                    apply_pending(on_new_posts=notify_matches)
                except IndexBusy as error:
                    log.warning("search indexer: %s; will retry", error)
                except Exception:
                    # The rows stay in the outbox, so nothing is lost; log and try again next tick.
                    log.exception("search indexer failed; will retry")
                    db.session.rollback()
                finally:
                    db.session.remove()
            self.wake.wait(self.interval)
            self.wake.clear()
