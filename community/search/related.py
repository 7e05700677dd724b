"""Related terms learned from the community's own text (normalised PMI of nearby words), used to widen queries."""
import json
import math
from collections import Counter
from itertools import islice
from pathlib import Path

from . import embeddings
from .schema import text_analyzer
from .store import replace_file

FILENAME = "related-terms.json"
WINDOW = 6  # words either side that count as "used together"
MAX_DOCS = 40000  # enough text to learn from; keeps a 1M-post rebuild from spending most of its time here
MAX_TOKENS = 120  # per document: titles and openings carry most of the vocabulary
MIN_PAIR = 3
MIN_NPMI = 0.3
PER_TERM = 4
_cache = {}


class Learner:
    """Counts how often stemmed words occur, and occur near each other, over a sample of posts."""

    def __init__(self):
        self.analyzer = text_analyzer()
        self.docs = 0
        self.windows = 0
        self.unigrams = Counter()
        self.pairs = Counter()

    def add(self, text):
        if self.docs >= MAX_DOCS:
            return
        self.docs += 1
        # Stop analysing at MAX_TOKENS: the rest of a long post is never counted.
        tokens = [t.text for t in islice(self.analyzer(text), MAX_TOKENS)]
        tokens = [t for t in tokens if len(t) > 2 and not t.isdigit()]
        self.unigrams.update(tokens)
        self.windows += len(tokens)
        for i, a in enumerate(tokens):
            for b in tokens[i + 1:i + 1 + WINDOW]:
                if a != b:
                    self.pairs[(a, b) if a < b else (b, a)] += 1

    def related_terms(self):
        """{term: [related terms, best first]} by normalised PMI, keeping only well-attested pairs."""
        total = max(self.windows, 1)
        scored = {}
        for (a, b), n in self.pairs.items():
            if n < MIN_PAIR:
                continue
            p_ab = n / total
            pmi = math.log(p_ab / ((self.unigrams[a] / total) * (self.unigrams[b] / total)))
            npmi = pmi / -math.log(p_ab)
            if npmi >= MIN_NPMI:
                scored.setdefault(a, []).append((npmi, b))
                scored.setdefault(b, []).append((npmi, a))
        return {t: [w for _, w in sorted(c, reverse=True)[:PER_TERM]] for t, c in scored.items()}


def save(index_dir, terms):
    path = Path(index_dir) / FILENAME
    replace_file(path, json.dumps(terms, sort_keys=True))
    _cache.pop(str(path), None)


class Related(dict):
    """What widens a query: {word: [related words]}, and `neighbours(text)` (threads near in meaning, as
    [(opening post document id, cosine)]) when the optional embedding extra is installed, else None."""

    def __init__(self, terms, neighbours=None):
        super().__init__(terms)
        self.neighbours = neighbours

    def __bool__(self):
        return bool(len(self)) or self.neighbours is not None


def load(index_dir):
    """The learned terms for this index (none before the first rebuild), re-read when the file changes, with the
    embedding neighbours when the extra is installed and SEARCH_EMBEDDINGS is not turned off."""
    path = Path(index_dir) / FILENAME
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        mtime = None
    near = embeddings.enabled()
    cached = _cache.get(str(path))
    if cached and cached[0] == (mtime, near):
        return cached[1]
    terms = json.loads(path.read_text(encoding="utf-8")) if mtime is not None else {}
    related = Related(terms, embeddings.neighbours_for(index_dir) if near else None)
    _cache[str(path)] = ((mtime, near), related)
    return related
