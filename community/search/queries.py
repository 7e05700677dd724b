"""Search reads: results grouped by thread with highlights and facets, similar threads, spelling suggestions."""
import logging
from dataclasses import dataclass, field

import numpy as np
from flask import current_app
from sqlalchemy import select
from whoosh import highlight
from whoosh.query import NullQuery, Or, Term

from .. import permissions
from ..extensions import db
from ..forum.models import Category, Thread
from . import ranking, related
from .indexer import current_index
from .parsing import TEXT_FIELDS, parse
from .snippets import Snippets
from .reading import as_set, column_ranges, matching_docs, searcher_for, visibility_mask, visible

log = logging.getLogger(__name__)
SORTS = ("relevance", "newest", "votes")
POSTS_PER_THREAD = 3
MAX_PAGE = 50
ALL_WORDS_BOOST = 3.0
COMMON_SHARE, COMMON_MIN = 0.02, 100
SUGGEST_WORDS, SUGGEST_CANDIDATES = 8, 50  # words looked at per query; nearest words checked per word


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
    total: int = 0  # threads listed, over every page: those with all the words, then partial_threads
    total_posts: int = 0  # their posts that match
    all_words: int = 0  # threads with all the words (and the filters)
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


def _escape(text):
    return highlight.htmlescape(text or "", quote=False)


def thread_facets(entry, docs, limit=12):
    """How many threads these documents belong to, and how many of those threads are in each category and carry
    each tag (most common first), all from the index's column values: no stored fields, no database."""
    # One document per thread is enough: every post of a thread carries the thread's category and tags.
    _threads, first = np.unique(entry.numbers("thread_id")[docs], return_index=True)
    one_each = docs[first]
    category_of, category_names = entry.codes("category")
    categories = np.bincount(category_of[one_each], minlength=len(category_names))
    starts, tag_of, tag_names = entry.tag_table()
    begin, counts = starts[one_each], starts[one_each + 1] - starts[one_each]
    # Each chosen document's run of tags, gathered in one go: run start + position within the run.
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    tags = np.bincount(tag_of[np.repeat(begin, counts) + within], minlength=len(tag_names))

    def top(counts, names):
        found = [(names[i], int(counts[i])) for i in np.flatnonzero(counts) if names[i] is not None]
        return sorted(found, key=lambda kv: (-kv[1], kv[0]))[:limit]

    return len(one_each), {"category": top(categories, category_names), "tags": top(tags, tag_names)}


def _matches(entry, query, user, allowed):
    """Every document matching query that user may see, sorted, with BM25F scores (None when Whoosh must rank)."""
    ok = visible(entry, user)
    if allowed is not None:
        ok = ok & allowed
    try:
        docs, scores = ranking.evaluate(entry, query.normalize())
    except ranking.Unsupported:
        # Prefixes, fuzzy words and the like: an unscored pass that reads whole postings blocks where it can.
        docs, scores = np.array(sorted(matching_docs(entry.searcher, query)), dtype=np.int64), None
    keep = ok[docs]
    return docs[keep], (None if scores is None else scores[keep])


def _ordered(entry, user, query, allowed, docs, scores, sort, limit):
    """The matching documents in result order: best score first; newest first; or most-voted thread first, then
    newest. Ties go by document number, so a page never shifts between requests. Without scores (query shapes
    ranking.py leaves to Whoosh) Whoosh ranks, up to limit documents."""
    if scores is None and sort == "relevance":
        results = entry.searcher.search(query, mask=visibility_mask(entry, user), filter=as_set(allowed),
                                        limit=limit, collapse="thread_id", collapse_limit=POSTS_PER_THREAD)
        return np.fromiter((hit.docnum for hit in results), dtype=np.int64)
    if sort == "relevance":
        return docs[np.lexsort((docs, -scores))]
    created = entry.numbers("created")[docs]
    if sort == "votes":
        return docs[np.lexsort((docs, -created, -entry.numbers("votes")[docs]))]
    return docs[np.lexsort((docs, -created))]


def _page_threads(entry, ordered, page, per_page):
    """[(thread id, its first documents in order, at most POSTS_PER_THREAD)] for one page of threads, the threads
    in the order of their first document."""
    if not len(ordered):
        return []
    thread_of = entry.numbers("thread_id")[ordered]
    threads, first = np.unique(thread_of, return_index=True)
    start = (page - 1) * per_page
    chosen = threads[np.argsort(first, kind="stable")[start:start + per_page]]
    picked = {tid: [] for tid in chosen.tolist()}
    on_page = np.isin(thread_of, chosen)
    for doc, tid in zip(ordered[on_page].tolist(), thread_of[on_page].tolist()):
        if len(picked[tid]) < POSTS_PER_THREAD:
            picked[tid].append(doc)
    return list(picked.items())


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
    common = _common_words(entry.searcher)
    parsed = parse(ix.schema, qstring, terms, common=common)
    out.filters, out.notice = parsed.filters, parsed.notice
    if parsed.query is NullQuery:
        return out
    query = parsed.query
    if widen == "always" and parsed.loose is not None:
        query = Or([parsed.query.with_boost(ALL_WORDS_BOOST), parsed.loose])
    query, allowed = column_ranges(entry, query)
    try:
        # Every match counts (threads, posts, facets), and ranking scores them all as arrays (ranking.py); only
        # the page's posts are read and highlighted, and only the asker's own words are marked in them.
        docs, scores = _matches(entry, query, user, allowed)
        ordered = _ordered(entry, user, query, allowed, docs, scores, sort, page * per_page * POSTS_PER_THREAD)
        out.threads = _group(entry, parsed.typed, _page_threads(entry, ordered, page, per_page))
    except Exception:
        log.warning("search failed for %r; retrying as plain words", qstring, exc_info=True)
        return _fallback(user, qstring, sort, page, per_page, use_related)
    out.all_words = _thread_count(entry, docs)
    listed = docs
    if widen == "auto" and parsed.loose is not None and page == 1 and out.all_words < per_page:
        listed = np.union1d(docs, _add_partial(out, entry, user, parsed, per_page))
    # The count, the facets and the list agree: threads with some of the words are counted once they are listed.
    out.total, out.facets = thread_facets(entry, listed)
    out.total_posts = len(listed)
    if out.all_words < 3 and parsed.text and not parsed.fallback:
        suggestion = _suggest(entry, user, parsed, qstring)
        if suggestion and _finds_more(entry, user, suggestion, out.all_words, terms, common):
            out.suggestion = suggestion
    return out


def _thread_count(entry, docs):
    return len(np.unique(entry.numbers("thread_id")[docs])) if len(docs) else 0


def _add_partial(out, entry, user, parsed, per_page):
    """Fill a short first page with threads that use some of the words (ranked by how well they match); returns
    the matching documents of the threads added."""
    seen = {t.thread_id for t in out.threads}
    loose, allowed = column_ranges(entry, parsed.loose)
    docs, scores = _matches(entry, loose, user, allowed)
    ordered = _ordered(entry, user, loose, allowed, docs, scores, "relevance", per_page * POSTS_PER_THREAD * 2)
    picked = [(tid, found) for tid, found in _page_threads(entry, ordered, 1, per_page * 2) if tid not in seen]
    picked = picked[:per_page - len(out.threads)]
    extra = _group(entry, parsed.typed, picked)
    for thread in extra:
        thread.partial = True
    out.threads.extend(extra)
    out.partial_threads = len(extra)
    return docs[np.isin(entry.numbers("thread_id")[docs], [tid for tid, _found in picked])]


def _finds_more(entry, user, suggestion, than, terms, common):
    """Whether the suggested query finds more threads with all its words than the query as typed found (than):
    a suggestion that finds no more is not a better search, only a different one."""
    try:
        parsed = parse(entry.searcher.schema, suggestion, terms, common=common)
        if parsed.query is NullQuery or parsed.fallback:
            return False
        query, allowed = column_ranges(entry, parsed.query)
        docs, _scores = _matches(entry, query, user, allowed)
    except Exception:
        log.warning("could not count the suggestion %r", suggestion, exc_info=True)
        return False
    return _thread_count(entry, docs) > than


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


def _group(entry, typed, threads):
    """One page's threads ([(thread id, document numbers)]) with their stored fields and snippets, the words of
    the typed query marked."""
    searcher = entry.searcher
    marker = _Highlighter(searcher, typed)
    out = []
    for _tid, found in threads:
        hits = [searcher.stored_fields(doc) for doc in found]
        thread = _thread_hit(hits[0])
        for hit in hits:
            if hit["number"] == 1 and hit.get("title"):
                title_html = marker.mark(hit["title"], "title")
                if "<mark>" in title_html:
                    thread.title_html = title_html
            thread.posts.append({
                "post_id": hit["post_id"], "number": hit["number"], "author": hit["author"],
                "created": hit["created"], "likes": hit["likes"],
                "snippet_html": marker.mark(hit["text"], "text") or _escape(hit["text"][:220]),
            })
        out.append(thread)
    return out


class _Highlighter:
    """Marks the query's words in a page's stored titles and texts, as Whoosh's highlighter does for a hit, with
    the query's terms looked up once per page rather than once per post. Given the words as typed (not the
    related words or neighbours search added), it marks those words and their other forms (bill, billing)."""

    def __init__(self, searcher, query):
        reader, self.fields = searcher.reader(), {}
        for fieldname in TEXT_FIELDS:
            field = searcher.schema[fieldname]
            try:
                terms = query.existing_terms(reader, fieldname=fieldname, expand=True) if query is not None else ()
            except Exception:
                terms = ()
            words = frozenset(field.from_bytes(text) for _f, text in terms)
            self.fields[fieldname] = (Snippets(field.analyzer, Marker(between=" … ")), words)

    def mark(self, text, fieldname):
        snippets, words = self.fields[fieldname]
        try:
            return snippets.mark(text, words)
        except Exception:
            return ""


def _thread_hit(hit):
    return ThreadHit(
        thread_id=hit["thread_id"], title_html=_escape(hit["thread_title"]), category=hit["category"],
        tags=[t for t in (hit.get("tags") or "").split(",") if t], votes=hit["votes"], status=hit["status"],
        feature=hit["feature"], created=hit["created"],
    )


def _suggest(entry, user, parsed, qstring):
    """The query with each word that finds nothing this person may see replaced by the nearest title word of a
    post they may see (unstemmed, as written there), or "" when no word needs or has a correction.

    Candidates are the index's unstemmed title words (the title's spelling field), and one is offered only when
    a post the asker may see has it in its title: a word only staff, or only a hidden post, uses never shows."""
    title = entry.searcher.schema["title"]
    spell, analyzer = title.spelling_fieldname("title"), title.analyzer
    ok = visible(entry, user)

    def seen(fieldname, word):
        return int(np.count_nonzero(ok[ranking.postings(entry, fieldname, word)[0]]))

    text, parts, last = parsed.text, [], 0
    try:
        for number, token in enumerate(analyzer(text, no_morph=True, chars=True)):
            if number >= SUGGEST_WORDS:
                break
            after, before = text[token.endchar:token.endchar + 1], text[token.startchar - 1:token.startchar]
            if (after and after in "*?~:") or before == ":":  # a wildcard, fuzzy word, field name or value
                continue
            stems = [t.text for t in analyzer(token.text)]
            if any(seen(f, stem) for stem in stems for f in TEXT_FIELDS):
                continue
            better = _closest(entry.searcher.reader(), spell, token.text, seen)
            if better:
                parts += [text[last:token.startchar], better]
                last = token.endchar
    except Exception:
        log.warning("spelling suggestion failed for %r", qstring, exc_info=True)
        return ""
    if not parts:
        return ""
    corrected = "".join(parts) + text[last:]
    return qstring.replace(text, corrected) if text in qstring else corrected


def _closest(reader, spell, word, seen):
    """The visible title word nearest to word (one edit, else two; the first letter kept), most used first."""
    for maxdist in (1, 2):
        candidates = [w for w in reader.terms_within(spell, word, maxdist, prefix=1) if w != word]
        candidates.sort(key=lambda w: (-reader.doc_frequency(spell, w), w))
        counted = [(seen(spell, w), w) for w in candidates[:SUGGEST_CANDIDATES]]
        counted = [(count, w) for count, w in counted if count]
        if counted:
            return min(counted, key=lambda cw: (-cw[0], cw[1]))[1]
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
