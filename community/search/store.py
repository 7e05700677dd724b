"""The Whoosh index on disk: open or create it, take its one writer (retrying on LockError), read its bookmark."""
import os
import threading
import time
from pathlib import Path

from whoosh import index
from whoosh.index import LockError

from .schema import META_ID, make_schema

_open = {}
_open_lock = threading.Lock()
# Writers in this process queue here first, so the Whoosh lock is only contended across processes.
write_lock = threading.RLock()


class IndexBusy(Exception):
    """Another process held the index writer for too long; the outbox keeps the work for the next try."""


def open_index(path):
    """The index at path, created empty the first time; one handle per directory per process."""
    path = str(path)
    with _open_lock:
        ix = _open.get(path)
        if ix is None:
            Path(path).mkdir(parents=True, exist_ok=True)
            ix = index.open_dir(path) if index.exists_in(path) else index.create_in(path, make_schema())
            _open[path] = ix
        return ix


def recreate_index(path):
    """An empty index with the current schema in place of the one at path."""
    with _open_lock:
        ix = _open[str(path)] = index.create_in(str(path), make_schema())
        return ix


def get_writer(ix, patience=30.0, **kwargs):
    """The index writer; waits with backoff while another process writes (Whoosh raises LockError at once)."""
    deadline = time.monotonic() + patience
    delay = 0.02
    while True:
        try:
            return ix.writer(**kwargs)
        except LockError:
            if time.monotonic() >= deadline:
                raise IndexBusy(f"search index writer busy for {patience:.0f}s") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def last_applied(ix):
    """The last outbox id whose change is in the index (0 when none)."""
    with ix.searcher() as searcher:
        doc = searcher.document(id=META_ID)
    return int(doc["outbox_id"]) if doc else 0


def write_bookmark(writer, outbox_id):
    writer.update_document(id=META_ID, kind="meta", outbox_id=int(outbox_id))


def index_size_bytes(path):
    return sum(f.stat().st_size for f in Path(path).iterdir() if f.is_file())


def is_empty(ix):
    with ix.searcher() as searcher:
        return searcher.doc_count() == 0 or (searcher.doc_count() == 1 and searcher.document(id=META_ID) is not None)


def replace_file(path, data):
    """Write data to path atomically, so readers see the old or the new file, never half of one."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(data)
    os.replace(tmp, path)
