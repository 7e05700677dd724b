"""Matching and BM25F ranking as array arithmetic over postings read once per index segment.

Whoosh walks and scores postings one at a time in Python, and a common word is in tens of thousands of posts.
Segments never change once written (deleting a document only marks it), so each term's postings are read once per
segment into numpy arrays (documents, weights and, for phrases, positions), as Lucene caches per-segment filters;
deletions and visibility are applied per index version as boolean masks. The search box's usual shapes (words,
and/or/not of them, phrases, friendly filters) are evaluated here; other shapes (prefixes, wildcards, fuzzy words,
phrases with slop) raise Unsupported and go through Whoosh's own matchers.
"""
import threading
from collections import OrderedDict

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, AndNot, Every, Not, NullQuery, Or, Phrase, Term
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

CACHED_NUMBERS = 8_000_000  # numbers kept across every cached term, column and segment (4-8 bytes each)
_EMPTY_DOCS = np.zeros(0, dtype=np.int64)
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)
_POSITION_BITS = 32  # phrase matching keys a position as document << 32 | position

_segment_cache = OrderedDict()  # (segment id, what) -> value with a size; least recently used first
_segment_held = [0]
_segment_lock = threading.Lock()


class Unsupported(Exception):
    """A query shape evaluated by Whoosh instead."""


class _Postings:
    __slots__ = ("docs", "weights", "pos_docs", "positions", "size")

    def __init__(self, docs, weights, pos_docs=None, positions=None):
        self.docs, self.weights, self.pos_docs, self.positions = docs, weights, pos_docs, positions
        self.size = 2 * len(docs) + (0 if positions is None else 2 * len(positions))


def _read_postings(reader, fieldname, text, positions):
    """One term's postings in one segment, deleted documents included (they are masked per index version)."""
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return _Postings(_EMPTY_DOCS, _EMPTY_SCORES, _EMPTY_DOCS, _EMPTY_DOCS)
    if isinstance(matcher, FilterMatcher):  # the deletions wrapper
        matcher = matcher.child
    ids, weights, values = [], [], []
    if hasattr(matcher, "_read_data") and hasattr(matcher, "_next_block"):
        # Whoosh 3 codec: each block is (id deltas, weights or one weight or None, values); read whole blocks.
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            block_ids, block_weights, block_values = matcher._data
            count = matcher._blocklength
            ids.append(np.cumsum(np.asarray(block_ids, dtype=np.int64)))
            if block_weights is None:
                weights.append(np.ones(count))
            elif isinstance(block_weights, float):
                weights.append(np.full(count, block_weights))
            else:
                weights.append(np.asarray(block_weights, dtype=np.float64))
            if positions:
                values.extend(block_values)
            matcher._next_block()
        docs = np.concatenate(ids) if ids else _EMPTY_DOCS
        weight = np.concatenate(weights) if weights else _EMPTY_SCORES
    else:  # inlined postings of a rare term, or another codec: the general matcher interface
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            if positions:
                values.append(matcher.value())
            matcher.next()
        docs, weight = np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)
    # Kept compact (a segment holds far fewer than 2**31 documents); widened when used.
    docs, weight = docs.astype(np.int32), weight.astype(np.float32)
    if not positions:
        return _Postings(docs, weight)
    decode = reader.schema[fieldname].format.decode_positions
    per_doc = [decode(value) for value in values]
    counts = np.fromiter((len(p) for p in per_doc), dtype=np.int64, count=len(per_doc))
    flat = np.fromiter((pos for p in per_doc for pos in p), dtype=np.int32, count=int(counts.sum()))
    return _Postings(docs, weight, np.repeat(docs, counts), flat)


def _segment_postings(reader, fieldname, text, positions):
    return segment_cached(reader, ("postings", fieldname, text, positions),
                          lambda: _read_postings(reader, fieldname, text, positions))


def segment_cached(reader, name, build):
    """build()'s value for this segment, built once: a segment's documents and their values never change.
    The value is an object with a size (how many numbers it holds), counted against CACHED_NUMBERS."""
    segment = reader.segment()
    if segment is None:  # an empty index's reader: nothing worth keeping
        return build()
    key = (segment.segment_id(),) + name
    with _segment_lock:
        found = _segment_cache.get(key)
        if found is not None:
            _segment_cache.move_to_end(key)
            return found
    found = build()
    with _segment_lock:
        if key not in _segment_cache:
            _segment_cache[key] = found
            _segment_held[0] += found.size
            while _segment_held[0] > CACHED_NUMBERS and len(_segment_cache) > 1:
                _segment_held[0] -= _segment_cache.popitem(last=False)[1].size
    return found


class Evaluator:
    """Evaluates a normalized query on one index version: sorted document numbers and their BM25F scores."""

    def __init__(self, entry):
        self.entry = entry
        self.searcher = entry.searcher
        self.schema = self.searcher.schema
        weighting = self.searcher.weighting
        if not isinstance(weighting, BM25F):
            raise Unsupported("weighting")
        self.weighting = weighting

    def run(self, query):
        if isinstance(query, Not):
            raise Unsupported("a lone NOT")
        return self._eval(query)

    def _eval(self, query):
        if query is NullQuery:
            return _EMPTY_DOCS, _EMPTY_SCORES
        kind = type(query)
        if kind is Term:
            return self._term(query)
        if kind is Or:
            return self._or(query)
        if kind is And:
            return self._and(query)
        if kind is AndNot:
            docs, scores = self._eval(query.a)
            keep = ~np.isin(docs, self._eval(query.b)[0], assume_unique=True)
            return docs[keep], scores[keep]
        if kind is Phrase:
            return self._phrase(query)
        if kind is Every and not query.fieldname:
            docs = self.entry.live_docs()
            return docs, np.full(len(docs), float(query.boost))
        raise Unsupported(kind.__name__)

    def postings(self, fieldname, text, positions=False):
        return postings(self.entry, fieldname, text, positions)

    def _score(self, fieldname, text, docs, weights):
        """BM25F as Whoosh computes it (idf and average length over the whole index), for many documents at once."""
        field = self.schema[fieldname]
        if not field.scorable:
            return weights
        if not len(docs):
            # Nothing to score, and on an index with no documents yet (a new install, a first rebuild still
            # running) Whoosh's idf is log(0 / (0 + 1)): undefined, so it must not be asked.
            return _EMPTY_SCORES
        searcher = self.searcher
        B = self.weighting._field_B.get(fieldname, self.weighting.B)
        K1 = self.weighting.K1
        idf = searcher.idf(fieldname, text)
        avgfl = searcher.avg_field_length(fieldname) or 1
        lengths = self.entry.field_lengths(fieldname)[docs]
        return idf * (weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / avgfl))

    def _term(self, query):
        docs, weights = self.postings(query.fieldname, query.text)
        scores = self._score(query.fieldname, query.text, docs, weights)
        return docs, scores * query.boost if query.boost != 1 else scores

    def _or(self, query):
        parts = [self._eval(q) for q in query.subqueries if not isinstance(q, Not)]
        if len(parts) != len(query.subqueries) or getattr(query, "minmatch", 0) > 1 or query.scale:
            raise Unsupported("Or with NOT, minmatch or scale")
        parts = [p for p in parts if len(p[0])]
        if not parts:
            return _EMPTY_DOCS, _EMPTY_SCORES
        if len(parts) == 1:
            docs, scores = parts[0]
        else:
            docs, inverse = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
            scores = np.bincount(inverse, weights=np.concatenate([p[1] for p in parts]), minlength=len(docs))
        return docs, scores * query.boost if query.boost != 1 else scores

    def _and(self, query):
        positive = [q for q in query.subqueries if not isinstance(q, Not)]
        negative = [q.query for q in query.subqueries if isinstance(q, Not)]
        if not positive:
            raise Unsupported("And of only NOTs")
        # Smallest first: every later intersection is then cheap.
        parts = sorted((self._eval(q) for q in positive), key=lambda p: len(p[0]))
        docs, scores = parts[0]
        for other_docs, other_scores in parts[1:]:
            if not len(docs):
                break
            docs, mine, theirs = np.intersect1d(docs, other_docs, assume_unique=True, return_indices=True)
            scores = scores[mine] + other_scores[theirs]
        for q in negative:
            if not len(docs):
                break
            keep = ~np.isin(docs, self._eval(q)[0], assume_unique=True)
            docs, scores = docs[keep], scores[keep]
        return docs, scores * query.boost if query.boost != 1 else scores

    def _phrase(self, query):
        """Documents where the words stand next to each other, in order; scored as the sum of the words' scores."""
        if query.slop != 1 or not query.words:
            raise Unsupported("phrase with slop")
        field = self.schema[query.fieldname] if query.fieldname in self.schema else None
        if field is None or not field.format or not field.format.supports("positions"):
            raise Unsupported("phrase on a field without positions")
        keys, words = None, []
        for i, word in enumerate(query.words):
            docs, weights, pos_docs, positions = self.postings(query.fieldname, word, positions=True)
            if not len(docs):
                return _EMPTY_DOCS, _EMPTY_SCORES
            words.append((word, docs, weights))
            # The phrase starts at position p when word i is at p + i.
            mine = np.unique((pos_docs << _POSITION_BITS) + (positions - i + (1 << (_POSITION_BITS - 2))))
            keys = mine if keys is None else np.intersect1d(keys, mine, assume_unique=True)
            if not len(keys):
                return _EMPTY_DOCS, _EMPTY_SCORES
        matched = np.unique(keys >> _POSITION_BITS)
        scores = np.zeros(len(matched))
        for word, docs, weights in words:
            at = np.searchsorted(docs, matched)
            scores += self._score(query.fieldname, word, matched, weights[at])
        return matched, scores * query.boost if query.boost != 1 else scores


def postings(entry, fieldname, text, positions=False):
    """(docs, weights[, position documents, positions]) of a term over the whole index, deleted documents removed."""
    if fieldname not in entry.searcher.schema:
        return (_EMPTY_DOCS, _EMPTY_SCORES, _EMPTY_DOCS, _EMPTY_DOCS) if positions else (_EMPTY_DOCS, _EMPTY_SCORES)
    parts = [(offset, _segment_postings(reader, fieldname, text, positions))
             for reader, offset in entry.searcher.reader().leaf_readers()]
    live = entry.live()
    docs = np.concatenate([p.docs.astype(np.int64) + offset for offset, p in parts]) if parts else _EMPTY_DOCS
    weights = np.concatenate([p.weights.astype(np.float64) for _, p in parts]) if parts else _EMPTY_SCORES
    keep = live[docs]
    if not positions:
        return docs[keep], weights[keep]
    pos_docs = np.concatenate([p.pos_docs.astype(np.int64) + offset for offset, p in parts]) if parts else _EMPTY_DOCS
    flat = np.concatenate([p.positions.astype(np.int64) for _, p in parts]) if parts else _EMPTY_DOCS
    pos_keep = live[pos_docs]
    return docs[keep], weights[keep], pos_docs[pos_keep], flat[pos_keep]


def evaluate(entry, query):
    """(documents, scores) for a normalized query, or raise Unsupported."""
    return Evaluator(entry).run(query)
