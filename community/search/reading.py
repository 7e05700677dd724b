"""Fast reads: one refreshed searcher per thread; column values, lengths and per-role visibility masks as arrays,
read once per segment and joined once per index version."""
import threading

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.query import And, AndNot, Every, NumericRange, Or, Term
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length, length_to_byte

from .. import permissions
from .ranking import postings, segment_cached
from .schema import META_ID

_local = threading.local()
_MISSING = np.iinfo(np.int64).min
_NONE = np.zeros(0, dtype=np.int64)
_BIG = 2 ** 63  # a column's default for a document without a value (the bookmark document) can exceed int64
_LENGTHS = np.array([max(byte_to_length(b), 1) for b in range(256)], dtype=np.float64)
RANGE_COLUMNS = ("created",)  # before:/after: dates; sortable, so every document has its value in a column

# Documents nobody browsing may list (merged threads) and the bookmark document.
_ALWAYS = [Term("redirected", True), Term("kind", "meta")]
_NOT_STAFF = [Term("staff_only", True)]
_NOT_MODERATOR = [Term("thread_deleted", True), Term("deleted", True)]
_OPENING = [Term("number", 1)]


class _Sized:
    """A per-segment value for the segment cache, with how many numbers it holds."""
    __slots__ = ("value", "size")

    def __init__(self, value, size):
        self.value, self.size = value, size


def _segment_column(reader, name, translate):
    """A sortable field's values in one segment, in document order (None where the segment has no such column)."""
    count = reader.doc_count_all()
    if count and reader.has_column(name):
        return reader.column_reader(name, translate=translate)
    return [None] * count


def _segment_numbers(reader, name, missing):
    """An integer column (or a date column as Whoosh's long numbers) of one segment as an int64 array."""
    def build():
        translate = name not in RANGE_COLUMNS  # integers are stored shifted; dates are compared raw
        values = np.fromiter((missing if v is None or not -_BIG < v < _BIG else v
                              for v in _segment_column(reader, name, translate)), dtype=np.int64,
                             count=reader.doc_count_all())
        return _Sized(values, len(values))
    return segment_cached(reader, ("numbers", name, missing), build).value


def _segment_codes(reader, name):
    """A text column of one segment as (value numbers per document, the values in number order)."""
    def build():
        values = {}
        numbers = np.fromiter((values.setdefault(v, len(values)) for v in _segment_column(reader, name, True)),
                              dtype=np.int64)
        return _Sized((numbers, list(values)), len(numbers))
    return segment_cached(reader, ("codes", name), build).value


def _segment_tags(reader):
    """One segment's tags as (run starts per document and one past the end, tag numbers, tag names)."""
    def build():
        names, flat, starts = {}, [], [0]
        for tags in _segment_column(reader, "tags", True):
            flat.extend(names.setdefault(t, len(names)) for t in (tags or "").split(",") if t)
            starts.append(len(flat))
        found = (np.asarray(starts, dtype=np.int64), np.asarray(flat, dtype=np.int64), list(names))
        return _Sized(found, len(starts) + len(flat))
    return segment_cached(reader, ("tags",), build).value


def _segment_lengths(reader, fieldname):
    """Each document's length byte for a text field in one segment, as Whoosh stores it (0 = none)."""
    def build():
        count = reader.doc_count_all()
        found = np.zeros(count, dtype=np.uint8)
        try:  # the Whoosh 3 lengths column is one byte per document: read it whole
            column = reader._perdoc._cached_reader("_%s_len" % fieldname, LENGTHS_COLUMN)
            if column is not None:
                raw = column._dbfile.get(column._basepos, min(column._count, count))
                found[:len(raw)] = np.frombuffer(raw, dtype=np.uint8)
        except AttributeError:  # another codec: ask document by document
            for doc in range(count):
                found[doc] = length_to_byte(reader.doc_field_length(doc, fieldname, 0) or 0)
        return _Sized(found, count // 8)
    return segment_cached(reader, ("lengths", fieldname), build).value


def _merge_codes(parts):
    """Per-segment (numbers, names) pairs as one numbering: (a remapping per part, the names in number order)."""
    names, remaps = {}, []
    for _numbers, part_names in parts:
        remaps.append(np.fromiter((names.setdefault(n, len(names)) for n in part_names), dtype=np.int64,
                                  count=len(part_names)))
    return remaps, list(names)


class _Cached:
    """One index version's searcher and what is derived from it: per-segment arrays joined once, role masks."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.leaves = searcher.reader().leaf_readers()  # in document-number order
        self.size = searcher.reader().doc_count_all()
        self.sets = {}
        self.arrays = {}

    def _joined(self, key, per_segment, empty):
        found = self.arrays.get(key)
        if found is None:
            parts = [per_segment(reader) for reader, _offset in self.leaves]
            found = self.arrays[key] = np.concatenate(parts) if parts else empty
        return found

    def numbers(self, name, missing=-1):
        """An integer column, or a date column as Whoosh's long numbers, as an int64 array over every document
        number (missing where a document has none)."""
        return self._joined(("numbers", name, missing), lambda r: _segment_numbers(r, name, missing),
                            np.zeros(0, dtype=np.int64))

    def codes(self, name):
        """A text column as (an int array of value numbers per document, the values in number order)."""
        found = self.arrays.get(("codes", name))
        if found is None:
            parts = [_segment_codes(reader, name) for reader, _offset in self.leaves]
            remaps, names = _merge_codes(parts)
            numbers = [remap[part[0]] for remap, part in zip(remaps, parts)]
            found = self.arrays[("codes", name)] = (
                np.concatenate(numbers) if numbers else np.zeros(0, dtype=np.int64), names)
        return found

    def tag_table(self):
        """Every document's tags in one array of tag numbers: document d's are tags[starts[d]:starts[d + 1]]."""
        found = self.arrays.get("tag table")
        if found is None:
            parts = [_segment_tags(reader) for reader, _offset in self.leaves]
            remaps, names = _merge_codes([(flat, part_names) for _starts, flat, part_names in parts])
            starts, flat, shift = [], [], 0
            for remap, (part_starts, part_flat, _names) in zip(remaps, parts):
                starts.append(part_starts[:-1] + shift)
                flat.append(remap[part_flat])
                shift += len(part_flat)
            starts.append(np.asarray([shift], dtype=np.int64))
            found = self.arrays["tag table"] = (np.concatenate(starts),
                                                np.concatenate(flat) if flat else np.zeros(0, dtype=np.int64), names)
        return found

    def built(self):
        """Whether a rebuild or the indexer has committed to this index (its bookmark document is there)."""
        found = self.arrays.get("built")
        if found is None:
            found = self.arrays["built"] = self.searcher.document(id=META_ID) is not None
        return found

    def post_count(self):
        """Posts in this index version (deleted documents and the bookmark not counted)."""
        return self.searcher.doc_count() - (1 if self.built() else 0)

    def live(self):
        """True for every document number that is not deleted."""
        found = self.arrays.get("live")
        if found is None:
            found = self.arrays["live"] = np.ones(self.size, dtype=bool)
            for reader, offset in self.leaves:
                if reader.has_deletions():
                    deleted = getattr(reader, "deleted_docs_set", None)
                    if deleted is None:
                        deleted = [doc for doc in range(reader.doc_count_all()) if reader.is_deleted(doc)]
                    found[[offset + doc for doc in deleted]] = False
        return found

    def live_docs(self):
        found = self.arrays.get("live docs")
        if found is None:
            found = self.arrays["live docs"] = np.flatnonzero(self.live())
        return found

    def field_lengths(self, fieldname):
        """Each document's length in a text field, as Whoosh's scorer sees it, for every document number."""
        found = self.arrays.get(("lengths", fieldname))
        if found is None:
            raw = self._joined(("length bytes", fieldname), lambda r: _segment_lengths(r, fieldname),
                               np.zeros(0, dtype=np.uint8))
            found = self.arrays[("lengths", fieldname)] = _LENGTHS[raw]
        return found

    def flags(self, name, terms):
        """True for every live document with any of these terms, kept under name for this index version."""
        found = self.arrays.get(("flags", name))
        if found is None:
            found = self.arrays[("flags", name)] = np.zeros(self.size, dtype=bool)
            for term in terms:
                found[postings(self, term.fieldname, term.text)[0]] = True
        return found

    def docs(self, name, queries):
        """The set of documents matching any of queries (for Whoosh's filter), kept under name."""
        found = self.sets.get(name)
        if found is None:
            found = self.sets[name] = set(self.searcher.docs_for_query(Or(queries)))
        return found

    def unpublished(self):
        """True for posts that are held, hidden or rejected."""
        found = self.arrays.get("unpublished")
        if found is None:
            found = self.arrays["unpublished"] = (self.flags("posts", [Term("kind", "post")])
                                                  & ~self.flags("published", [Term("state", "published")]))
        return found

    def closed_openings(self):
        """True for opening posts that are held, hidden or rejected: permissions.can_view_thread then shows their
        thread to nobody but its author and moderators."""
        found = self.arrays.get("closed openings")
        if found is None:
            found = self.arrays["closed openings"] = self.flags("opening", _OPENING) & self.unpublished()
        return found

    def closed(self):
        """True for every post of a thread whose opening post is held, hidden or rejected (read from the opening
        post's own document, so hiding or restoring it re-masks the whole thread at the next index version)."""
        found = self.arrays.get("closed")
        if found is None:
            thread_of = self.numbers("thread_id")
            closed_threads = np.unique(thread_of[self.closed_openings()])
            found = self.arrays["closed"] = (np.isin(thread_of, closed_threads) if len(closed_threads)
                                             else np.zeros(self.size, dtype=bool))
        return found


def searcher_for(ix):
    """This thread's searcher on ix, reopened after each commit (cheap when nothing changed). Do not close it."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    entry = cache.get(id(ix))
    if entry is None:
        entry = cache[id(ix)] = _Cached(ix.searcher())
    elif ix.latest_generation() != entry.searcher.reader().generation():
        # A new searcher, not refresh(): refresh reuses segment readers and can keep their old deletions.
        entry.searcher.close()
        entry = cache[id(ix)] = _Cached(ix.searcher())
    return entry


def _hidden(entry, user):
    """(role name, True for documents hidden from everyone with this role, this person's own exceptions among them).

    Mirrors permissions.can_view_thread and can_view_post: besides staff-only categories and deleted posts and
    threads, held/hidden/rejected posts are hidden, and so is every post of a thread whose opening post is; its
    author still sees that thread (their own posts and the published replies in it) and their own held posts
    elsewhere, as on the thread page."""
    if permissions.is_moderator(user):
        return "mod", entry.flags("mod", _ALWAYS), _NONE
    name = "staff" if permissions.is_staff(user) else "member"
    base = entry.flags(name, _ALWAYS + _NOT_MODERATOR + ([] if permissions.is_staff(user) else _NOT_STAFF))
    full = entry.arrays.get(("hidden", name))
    if full is None:
        full = entry.arrays[("hidden", name)] = base | entry.unpublished() | entry.closed()
    if not getattr(user, "is_authenticated", False):
        return name, full, _NONE
    own = postings(entry, "author_id", user.id)[0]
    unpublished, closed = entry.unpublished(), entry.closed()
    shown = own[unpublished[own] & ~base[own] & ~closed[own]]  # own held posts in threads others can open
    own_threads = own[entry.closed_openings()[own]]  # threads the thread page opens for them alone
    if len(own_threads):
        thread_of = entry.numbers("thread_id")
        docs = np.flatnonzero(np.isin(thread_of, thread_of[own_threads]))
        docs = docs[entry.live()[docs] & ~base[docs] & (~unpublished[docs] | np.isin(docs, own))]
        shown = np.union1d(shown, docs)
    return name, full, shown


def visibility_mask(entry, user):
    """Document numbers this person must not see, as a set Whoosh uses directly as a search mask."""
    name, hidden, own = _hidden(entry, user)
    found = entry.sets.get(("mask", name))
    if found is None:
        found = entry.sets[("mask", name)] = set(np.flatnonzero(hidden).tolist())
    return found - set(own.tolist()) if len(own) else found


def visible(entry, user):
    """True for each document number this person may see: visibility_mask's complement, deleted documents removed."""
    name, hidden, own = _hidden(entry, user)
    base = entry.arrays.get(("visible", name))
    if base is None:
        base = entry.arrays[("visible", name)] = entry.live() & ~hidden
    if not len(own):
        return base
    found = base.copy()
    found[own] = True
    return found


def matching_docs(searcher, query):
    """Document numbers matching query, unscored. Terms, and/or/not of them, read whole postings blocks at a time,
    several times faster than Whoosh's per-posting matcher walk; other queries go through Whoosh."""
    if isinstance(query, Term):
        found = set()
        for reader, offset in searcher.reader().leaf_readers():
            found.update(offset + doc for doc in _term_docs(reader, query.fieldname, query.text))
        return found
    if isinstance(query, Or) and query.subqueries:
        return set().union(*(matching_docs(searcher, q) for q in query.subqueries))
    if isinstance(query, And) and query.subqueries:
        return set.intersection(*(matching_docs(searcher, q) for q in query.subqueries))
    if isinstance(query, AndNot):
        return matching_docs(searcher, query.a) - matching_docs(searcher, query.b)
    return set(searcher.docs_for_query(query))


def _term_docs(reader, fieldname, text):
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return set()
    if not hasattr(matcher, "_read_ids"):  # wrapped (deletions) or another codec: the general path
        return set(matcher.all_ids())
    docs = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        docs.extend(matcher._ids[matcher._i:matcher._blocklength])
        matcher._next_block()
    return set(docs)


def column_ranges(entry, query):
    """query without its top-level ranges over sortable numbers and dates, and the documents those ranges allow as
    a boolean array (None when there were none). Whoosh expands a date range into many terms whose postings cover
    most of the index; comparing cached column values is far cheaper, and a constant-score range never changed the
    ranking."""
    parts = list(query.subqueries) if isinstance(query, And) else [query]
    ranges = [q for q in parts if isinstance(q, NumericRange) and q.fieldname in RANGE_COLUMNS]
    if not ranges:
        return query, None
    allowed = None
    for q in ranges:
        values = entry.numbers(q.fieldname, missing=_MISSING)
        found = values != _MISSING
        if q.start is not None:
            found &= (values > q.start) if q.startexcl else (values >= q.start)
        if q.end is not None:
            found &= (values < q.end) if q.endexcl else (values <= q.end)
        allowed = found if allowed is None else allowed & found
    rest = [q for q in parts if not any(q is r for r in ranges)]
    if not rest:
        return Every(), allowed
    return (rest[0] if len(rest) == 1 else And(rest, boost=query.boost)), allowed


def as_set(allowed):
    """A boolean document array as the set of document numbers Whoosh takes as a filter."""
    return None if allowed is None else set(np.flatnonzero(allowed).tolist())
