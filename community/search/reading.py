"""Fast reads: one refreshed searcher per thread, and per-role visibility masks cached until the index changes."""
import threading

from whoosh.query import And, AndNot, Every, NumericRange, Or, Term
from whoosh.reading import TermNotFound

from .. import permissions

_local = threading.local()
RANGE_COLUMNS = ("created",)  # before:/after: dates; sortable, so every document has its value in a column

# Documents nobody browsing may list (merged threads) and the bookmark document.
_ALWAYS = [Term("redirected", True), Term("kind", "meta")]
_NOT_STAFF = [Term("staff_only", True)]
_NOT_MODERATOR = [Term("thread_deleted", True), Term("deleted", True)]


class _Cached:
    def __init__(self, searcher):
        self.searcher = searcher
        self.sets = {}
        self.columns = {}

    def column(self, name, translate=True):
        """A sortable field's value for every document number, read once per index version (raw numbers, e.g. a
        date as Whoosh's long, when translate is False)."""
        found = self.columns.get((name, translate))
        if found is None:
            found = self.columns[(name, translate)] = []
            for reader, _offset in self.searcher.reader().leaf_readers():  # in document-number order
                count = reader.doc_count_all()
                has = count and reader.has_column(name)
                found.extend(reader.column_reader(name, translate=translate) if has else [None] * count)
        return found

    def tag_lists(self):
        """Each document's tags as a tuple (the column holds them comma-separated)."""
        found = self.columns.get("tag lists")
        if found is None:
            found = self.columns["tag lists"] = [tuple(t for t in (tags or "").split(",") if t)
                                                 for tags in self.column("tags")]
        return found

    def docs(self, name, queries):
        found = self.sets.get(name)
        if found is None:
            found = self.sets[name] = set(self.searcher.docs_for_query(Or(queries)))
        return found

    def unpublished(self):
        found = self.sets.get("unpublished")
        if found is None:
            published = set(self.searcher.docs_for_query(Term("state", "published")))
            posts = set(self.searcher.docs_for_query(Term("kind", "post")))
            found = self.sets["unpublished"] = posts - published
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


def visibility_mask(entry, user):
    """Document numbers this person must not see, as a set Whoosh uses directly as a search mask."""
    if permissions.is_moderator(user):
        return entry.docs("mod", _ALWAYS)
    groups = _ALWAYS + _NOT_MODERATOR + ([] if permissions.is_staff(user) else _NOT_STAFF)
    name = "staff" if permissions.is_staff(user) else "member"
    base = entry.docs(name, groups)
    full = entry.sets.get(name + "+unpublished")
    if full is None:
        full = entry.sets[name + "+unpublished"] = base | entry.unpublished()
    if not getattr(user, "is_authenticated", False):
        return full
    # Authors see their own held or hidden posts, as on the thread page (unless masked for another reason).
    own = set(entry.searcher.docs_for_query(Term("author_id", user.id))) & entry.unpublished()
    own -= base
    return full - own if own else full


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
    """query without its top-level ranges over sortable numbers and dates, and the documents those ranges allow
    (None when there were none). Whoosh expands a date range into many terms whose postings cover most of the index;
    comparing cached column values is far cheaper, and a constant-score range never changed the ranking."""
    parts = list(query.subqueries) if isinstance(query, And) else [query]
    ranges = [q for q in parts if isinstance(q, NumericRange) and q.fieldname in RANGE_COLUMNS]
    if not ranges:
        return query, None
    allowed = None
    for q in ranges:
        values = entry.column(q.fieldname, translate=False)
        low = -float("inf") if q.start is None else q.start
        high = float("inf") if q.end is None else q.end
        found = {doc for doc, value in enumerate(values) if value is not None and low <= value <= high
                 and not (q.startexcl and value == low) and not (q.endexcl and value == high)}
        allowed = found if allowed is None else allowed & found
    rest = [q for q in parts if not any(q is r for r in ranges)]
    if not rest:
        return Every(), allowed
    return (rest[0] if len(rest) == 1 else And(rest, boost=query.boost)), allowed
