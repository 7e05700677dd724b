"""Search reads: results grouped by thread with highlights and facets, similar threads, spelling suggestions."""
import logging
from collections import Counter
from itertools import chain
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from whoosh import highlight
from whoosh.query import NullQuery, Or, Term
from whoosh.searching import Results

from .. import permissions
from ..extensions import db
from ..forum.models import Category, Thread
from . import related
from .indexer import current_index
from .parsing import TEXT_FIELDS, parse
from .reading import column_ranges, matching_docs, searcher_for, visibility_mask

log = logging.getLogger(__name__)
SORTS = ("relevance", "newest", "votes")
POSTS_PER_THREAD = 3
MAX_PAGE = 50
ALL_WORDS_BOOST = 3.0
COMMON_SHARE, COMMON_MIN = 0.02, 100


@dataclass
class ThreadHit:
    thread_id: int
    title_html: str
    category: str
    tags: list
    votes: int
    status: str
    feature: bool
    created: object
    partial: bool = False  # matches only some of the words (listed after the threads with all of them)
    posts: list = field(default_factory=list)  # dicts: post_id, number, author, created, likes, snippet_html


@dataclass
class SearchResults:
    q: str
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    total: int = 0  # threads
    total_posts: int = 0
    threads: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)  # {"category": [(slug, count)], "tags": [(name, count)]}
    filters: list = field(default_factory=list)
    notice: str = ""
    suggestion: str = ""
    partial_threads: int = 0  # threads added because they match some of the words

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))


class Marker(highlight.HtmlFormatter):
    """Escapes the text around matches and wraps each match in <mark>: the only markup a snippet holds."""

    def format_token(self, text, token, replace=False):
        return "<mark>%s</mark>" % highlight.htmlescape(highlight.get_text(text, token, replace), quote=False)


def _highlighter():
    return highlight.Highlighter(fragmenter=highlight.ContextFragmenter(maxchars=220, surround=60),
                                 formatter=Marker(between=" … "))


def _escape(text):
    return highlight.htmlescape(text or "", quote=False)


def _sorted(entry, query, docs, sort, limit):
    """The matches newest first (or by thread votes, then newest), at most POSTS_PER_THREAD per thread, as Whoosh
    results. Sorting cached column values beats Whoosh's sorting collector, which reads each match's keys."""
    created, thread_of = entry.column("created", translate=False), entry.column("thread_id")
    if sort == "votes":
        votes = entry.column("votes", translate=False)
        order = sorted(docs, key=lambda doc: (-votes[doc], -created[doc], doc))
    else:
        order = sorted(docs, key=lambda doc: (-created[doc], doc))
    kept, per_thread = [], Counter()
    for doc in order:
        thread = thread_of[doc]
        if per_thread[thread] < POSTS_PER_THREAD:
            per_thread[thread] += 1
            kept.append((0, doc))
            if len(kept) >= limit:
                break
    return Results(entry.searcher, query, kept, docset=docs)


def thread_facets(entry, docs, limit=12):
    """How many threads these documents belong to, and how many of those threads are in each category and carry
    each tag (most common first), all from the index's column values: no stored fields, no database."""
    thread_of, category_of, tags_of = entry.column("thread_id"), entry.column("category"), entry.tag_lists()
    # One document per thread is enough: every post of a thread carries the thread's category and tags.
    one_each = {thread_of[doc]: doc for doc in docs}.values()
    categories = Counter(category_of[doc] for doc in one_each)
    tags = Counter(chain.from_iterable(tags_of[doc] for doc in one_each))

    def top(counter):
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    return len(one_each), {"category": top(categories), "tags": top(tags)}


def search(user, qstring, sort="relevance", page=1, per_page=20, use_related=True, widen="auto"):
    """One page of thread-grouped results the user may see; malformed input falls back to plain words.

    widen="auto" lists threads with only some of the words when those with all of them don't fill the first
    page; widen="always" ranks both together (all-words threads boosted), which finds more paraphrases but
    costs a scan of every thread that uses any of the words.
    """
    sort = sort if sort in SORTS else "relevance"
    page = min(max(int(page or 1), 1), MAX_PAGE)
    out = SearchResults(q=qstring or "", sort=sort, page=page, per_page=per_page)
    ix = current_index()
    terms = related.load(current_app.config["SEARCH_INDEX_DIR"]) if use_related else None
    entry = searcher_for(ix)
    searcher, mask = entry.searcher, visibility_mask(entry, user)
    parsed = parse(ix.schema, qstring, terms, common=_common_words(searcher))
    out.filters, out.notice = parsed.filters, parsed.notice
    if parsed.query is NullQuery:
        return out
    query = parsed.query
    if widen == "always" and parsed.loose is not None:
        query = Or([parsed.query.with_boost(ALL_WORDS_BOOST), parsed.loose])
    query, allowed = column_ranges(entry, query)
    try:
        # Counting needs every match but no scores: an unscored pass, then facets from column values (grouping
        # inside the scored search made Whoosh visit every match with scoring, 2-3x slower at 100k posts).
        docs = matching_docs(searcher, query) - mask
        if allowed is not None:
            docs &= allowed
        if sort == "relevance":
            results = searcher.search(query, mask=mask, filter=allowed, limit=page * per_page * POSTS_PER_THREAD,
                                      collapse="thread_id", collapse_limit=POSTS_PER_THREAD)
        else:
            results = _sorted(entry, query, docs, sort, page * per_page * POSTS_PER_THREAD)
    except Exception:
        log.warning("search failed for %r; retrying as plain words", qstring, exc_info=True)
        return _fallback(user, qstring, sort, page, per_page, use_related)
    out.total, out.facets = thread_facets(entry, docs)
    out.total_posts = len(docs)
    out.threads = _group(results, page, per_page)
    if widen == "auto" and parsed.loose is not None and page == 1 and out.total < per_page:
        _add_partial(out, entry, parsed.loose, mask, per_page)
    if out.total < 3 and parsed.text and not parsed.fallback:
        out.suggestion = _suggest(searcher, parsed, qstring)
    return out


def _add_partial(out, entry, loose, mask, per_page):
    """Fill a short first page with threads that use some of the words (ranked by how well they match)."""
    seen = {t.thread_id for t in out.threads}
    loose, allowed = column_ranges(entry, loose)
    results = entry.searcher.search(loose, mask=mask, filter=allowed, limit=per_page * POSTS_PER_THREAD * 2,
                                    collapse="thread_id", collapse_limit=POSTS_PER_THREAD)
    extra = [t for t in _group(results, 1, per_page * 2) if t.thread_id not in seen][:per_page - len(out.threads)]
    for thread in extra:
        thread.partial = True
    out.threads.extend(extra)
    out.partial_threads = len(extra)


def _common_words(searcher):
    """A word in more than COMMON_SHARE of posts (and COMMON_MIN of them) finds enough without related words."""
    limit = max(COMMON_MIN, searcher.doc_count() * COMMON_SHARE)
    return lambda fieldname, word: searcher.doc_frequency(fieldname, word) > limit


def _fallback(user, qstring, sort, page, per_page, use_related):
    words = " ".join("".join(ch if ch.isalnum() else " " for ch in (qstring or "")).split())
    if words == (qstring or "").strip():
        return SearchResults(q=qstring or "", sort=sort, page=page, per_page=per_page,
                             notice="That search could not be run; try fewer or simpler words.")
    results = search(user, words, sort, page, per_page, use_related)
    results.q = qstring
    results.notice = "We couldn't read that as a search expression, so we searched for its words."
    return results


def _group(results, page, per_page):
    """Hits in rank order folded into threads (each once, with its best posts), then one page of threads."""
    threads, order = {}, []
    highlighter = _highlighter()
    start = (page - 1) * per_page
    # Collapsed results can hold every match: read stored fields only as far as the requested page needs.
    for rank, hit in enumerate(results):
        if rank >= (start + per_page) * POSTS_PER_THREAD:
            break
        tid = hit["thread_id"]
        if tid not in threads:
            order.append(tid)
            threads[tid] = None if len(order) <= start or len(order) > start + per_page else _thread_hit(hit)
        entry = threads[tid]
        if entry is None or len(entry.posts) >= POSTS_PER_THREAD:
            continue
        if hit["number"] == 1 and hit.get("title"):
            title_html = _highlight(highlighter, hit, "title")
            if "<mark>" in title_html:
                entry.title_html = title_html
        entry.posts.append({
            "post_id": hit["post_id"], "number": hit["number"], "author": hit["author"],
            "created": hit["created"], "likes": hit["likes"],
            "snippet_html": _highlight(highlighter, hit, "text") or _escape(hit["text"][:220]),
        })
    return [threads[tid] for tid in order[start:start + per_page] if threads[tid] is not None]


def _highlight(highlighter, hit, fieldname):
    try:
        return highlighter.highlight_hit(hit, fieldname, top=2) or ""
    except Exception:
        return ""


def _thread_hit(hit):
    return ThreadHit(
        thread_id=hit["thread_id"], title_html=_escape(hit["thread_title"]), category=hit["category"],
        tags=[t for t in (hit.get("tags") or "").split(",") if t], votes=hit["votes"], status=hit["status"],
        feature=hit["feature"], created=hit["created"],
    )


def _suggest(searcher, parsed, qstring):
    """A corrected query string from the index's own words, or "" when none is better."""
    try:
        text_query = parse(searcher.schema, parsed.text).query
        correction = searcher.correct_query(text_query, parsed.text, prefix=1)
    except Exception:
        return ""
    if correction.string and correction.string != parsed.text:
        return qstring.replace(parsed.text, correction.string) if parsed.text in qstring else correction.string
    return ""


def similar_threads(user, title, body="", limit=5, exclude_thread_id=None):
    """Threads whose opening posts look like this title and body (for "did someone ask already?"), best first."""
    ix = current_index()
    text = " ".join(filter(None, [title, title, body]))  # the title is the better summary: count it twice
    if not text.strip():
        return []
    entry = searcher_for(ix)
    searcher, mask = entry.searcher, visibility_mask(entry, user)
    try:
        keywords = searcher.key_terms_from_text("text", text, numterms=12, normalize=True)
    except Exception:
        log.warning("similar_threads: could not extract key terms", exc_info=True)
        return []
    if not keywords:
        return []
    query = Or([Term(f, word, boost=weight * (2.0 if f == "title" else 1.0))
                for word, weight in keywords for f in TEXT_FIELDS])
    if exclude_thread_id:
        mask = mask | set(searcher.docs_for_query(Term("thread_id", exclude_thread_id)))
    hits = searcher.search(query, filter=entry.docs("opening", [Term("number", 1)]), mask=mask, limit=limit * 2)
    ids = [hit["thread_id"] for hit in hits]
    if not ids:
        return []
    threads = {t.id: t for t in db.session.scalars(select(Thread).where(Thread.id.in_(ids)))}
    # The database has the last word on visibility: the index may be a moment behind.
    found = [threads[i] for i in ids if i in threads and permissions.can_view_thread(user, threads[i])
             and threads[i].redirect_to_id is None and threads[i].deleted_at is None]
    return found[:limit]


def category_names():
    return dict(db.session.execute(select(Category.slug, Category.name)).all())
