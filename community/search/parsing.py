"""Turn the search box into a Whoosh query: friendly filters, the Whoosh language, related terms, a safe fallback."""
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from whoosh import qparser
from whoosh.query import And, ConstantScoreQuery, DateRange, Every, Not, NullQuery, Or, Phrase, Term

from .schema import text_analyzer

TEXT_FIELDS = ("title", "text")
FILTER_RE = re.compile(r'(?<!\S)(-?)(author|category|tag|tags|is|status|before|after):("[^"]*"|\S+)', re.IGNORECASE)
STATUS_NAMES = {"open", "under_review", "planned", "in_progress", "shipped", "declined"}
RELATED_BOOST = 0.35  # a related word counts, but less than the word itself
NEAR_WEIGHT = 10.0  # a thread near in meaning scores cosine x this (a good two-word match scores about 5-15)
OPERATORS_RE = re.compile(r'\b(AND|OR|NOT|ANDNOT|ANDMAYBE)\b|["*?()\[\]{}:^~]|(?:^|\s)[-+]')
FALLBACK_NOTICE = "We couldn't read that as a search expression, so we searched for its words."


@dataclass
class ParsedQuery:
    query: object
    text: str  # the part left after filters, for spelling suggestions
    filters: list = field(default_factory=list)  # (name, value) pairs, shown as chips
    notice: str = ""
    fallback: bool = False
    loose: object = None  # some of the words: for plain-word queries, used when all the words find little
    typed: object = None  # the words as typed (no related words, no neighbours): what snippets mark


def _date(value):
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def _filter_query(name, value):
    """The query for one friendly filter, or None when the value makes no sense (then it is searched as text)."""
    name = name.lower()
    value = value.strip('"').strip()
    if not value:
        return None
    low = value.lower()
    if name == "author":
        return Term("author", low.lstrip("@"))
    if name == "category":
        return Term("category", low)
    if name in ("tag", "tags"):
        return Term("tags", low.lstrip("#"))
    if name == "is" and low in ("feature-request", "feature_request", "request", "feature"):
        return Term("feature", True)
    if name == "status":
        status = low.replace("-", "_").replace(" ", "_")
        return Term("status", status) if status in STATUS_NAMES else None
    if name in ("before", "after"):
        when = _date(value)
        if when is None:
            return None
        return DateRange("created", None, when - timedelta(microseconds=1)) if name == "before" \
            else DateRange("created", when, None)
    return None


def split_filters(qstring):
    """Pull author:/category:/tag:/is:/status:/before:/after: out of the string; the rest is text."""
    filters, queries, problems = [], [], []

    def take(match):
        negate, name, value = match.groups()
        q = _filter_query(name, value)
        if q is None:
            problems.append(match.group(0))
            return match.group(0)
        queries.append(Not(q) if negate else q)
        filters.append((("-" if negate else "") + name.lower(), value.strip('"')))
        return " "

    text = FILTER_RE.sub(take, qstring)
    return " ".join(text.split()), filters, queries, problems


def make_parser(schema):
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser


def plain_terms_query(text):
    """Any of the words, best matches first: no operators, nothing to misread, and something to show."""
    analyzer = text_analyzer()
    words = [t.text for t in analyzer(text)]
    if not words:
        return NullQuery
    return Or([Term(f, w) for w in dict.fromkeys(words) for f in TEXT_FIELDS])


def expand(query, related, common=None, text=None):
    """Each plain word also matches the words the community uses with it (never inside NOT or phrases), and,
    with the embedding extra, the opening posts of the threads nearest in meaning to text are matched too.

    common(fieldname, word) says a word already matches plenty; widening it would cost time and add noise.
    """
    if not related:
        return query
    query = _expand_words(query, related, common)
    plain = text and not OPERATORS_RE.search(text)  # "kettle NOT beeps" has no single meaning to look up
    near = related.neighbours(text) if plain and getattr(related, "neighbours", None) else None
    if near:
        # Scored by similarity alone, added to the words' score when a thread has both.
        query = Or([query] + [ConstantScoreQuery(Term("id", doc_id), score=NEAR_WEIGHT * cosine)
                              for doc_id, cosine in near])
    return query


def _expand_words(query, related, common):
    def walk(q):
        if isinstance(q, Term) and q.fieldname in TEXT_FIELDS and isinstance(q.text, str):
            if common is not None and common(q.fieldname, q.text):
                return q
            extra = related.get(q.text, ())
            if extra:
                return Or([q] + [Term(q.fieldname, w, boost=RELATED_BOOST) for w in extra])
            return q
        if isinstance(q, (Not, Phrase)):
            return q
        return q.apply(walk) if q.is_leaf() is False else q

    return walk(query)


def parse(schema, qstring, related=None, common=None):
    """Parse the search box; never raises: a string Whoosh can't read is searched as plain words."""
    qstring = (qstring or "").replace("\x00", " ")
    qstring = qstring.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    text, filters, filter_queries, problems = split_filters(qstring)
    notice, fallback = "", False
    if problems:
        notice = "Some filters were not understood and were searched as words: " + ", ".join(problems[:3])
    try:
        text_query = make_parser(schema).parse(text) if text else None
        if text_query is not None and text_query is NullQuery and text.strip():
            raise ValueError("nothing searchable")
    except Exception:
        text_query, fallback, notice = plain_terms_query(text), True, FALLBACK_NOTICE
    typed = text_query if text_query is not NullQuery else None
    if text_query is not None and related:
        text_query = expand(text_query, related, common, text=text)
    loose = None
    if text_query is not None and not fallback and _loosen(text, text_query):
        # Customers rarely use all of the product manager's words: some of them is the next best thing.
        loose = Or(list(text_query.subqueries))
    parts = ([text_query] if text_query is not None and text_query is not NullQuery else []) + filter_queries
    if not parts:
        query = Every() if filters else NullQuery
    elif len(parts) == 1:
        query = parts[0]
    else:
        query = And(parts)
    if loose is not None and filter_queries:
        loose = And([loose] + filter_queries)
    return ParsedQuery(query=query, text=text, filters=filters, notice=notice, fallback=fallback, loose=loose,
                       typed=typed)


def _loosen(text, query):
    """Plain words only (no operators, phrases or wildcards), more than one of them, parsed as an AND."""
    return isinstance(query, And) and len(query.subqueries) > 1 and not OPERATORS_RE.search(text)
