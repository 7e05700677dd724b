"""Highlighted snippets: the query's words marked in a post's stored text, in fragments around the matches.

Whoosh's highlighter sends every word of the text through the whole analyzer chain and its fragmenter as token
objects, about 0.3 ms a post, 60 posts a page. Here the words are found with the analyzer's own tokenizer
expression, each distinct word is analysed once (and remembered), and token objects are made only for matches.
Fragments follow Whoosh's ContextFragmenter rules; Whoosh's fragment scorer and the given formatter finish the job,
so the output is what Whoosh's highlighter gives.
"""
import threading
from collections import deque

from whoosh import highlight
from whoosh.analysis import Token

CHARLIMIT = highlight.DEFAULT_CHARLIMIT  # as Whoosh: words past this many characters are never marked
_WORDS_KEPT = 200_000
_NO_TERM = object()
_terms = {}  # id(analyzer) -> (analyzer, {word: its index term or None})
_lock = threading.Lock()


def _term_cache(analyzer):
    with _lock:
        found = _terms.get(id(analyzer))
        if found is None or found[0] is not analyzer:
            found = _terms[id(analyzer)] = (analyzer, {})
        return found[1]


class Snippets:
    """Marks the given index terms (analysed words) in texts analysed by analyzer, a tokenizer first."""

    def __init__(self, analyzer, formatter, maxchars=220, surround=60, top=2):
        tokenizer = analyzer.items[0] if hasattr(analyzer, "items") else analyzer
        self.expression = tokenizer.expression  # a RegexTokenizer: anything else raises AttributeError
        self.analyzer, self.formatter = analyzer, formatter
        self.maxchars, self.surround, self.top = maxchars, surround, top
        self.scorer = highlight.BasicFragmentScorer()
        self.known = _term_cache(analyzer)

    def term(self, word):
        found = self.known.get(word, _NO_TERM)
        if found is _NO_TERM:
            tokens = [t.text for t in self.analyzer(word, mode="index", removestops=False)]
            found = tokens[0] if len(tokens) == 1 else None
            if len(self.known) >= _WORDS_KEPT:
                self.known.clear()
            self.known[word] = found
        return found

    def mark(self, text, terms):
        """The best fragments of text with terms marked, joined by the formatter; "" when no term is in it."""
        if not text or not terms:
            return ""
        fragments = highlight.top_fragments(self._fragments(text, terms), self.top, self.scorer, highlight.FIRST,
                                            minscore=1)
        return self.formatter.format(fragments)

    def _fragments(self, text, terms):
        """Whoosh's ContextFragmenter.fragment_tokens over (start, end, matched) words, same rules and quirks."""
        maxchars, surround, term = self.maxchars, self.surround, self.term
        first, firsts, countdown, tks, currentlen, endchar = None, deque(), -1, [], 0, None
        for found in self.expression.finditer(text):
            startchar, endchar = found.span()
            if endchar > CHARLIMIT:
                break
            tlength = endchar - startchar
            word = term(found.group())
            matched = word is not None and word in terms
            if countdown < 0 and not matched:
                firsts.append(startchar)
                while firsts and endchar - firsts[0] > surround:
                    firsts.popleft()
            elif currentlen + tlength > maxchars:
                countdown = 0
            elif matched:
                countdown = surround
                if first is None:
                    if firsts:
                        first = firsts[0]
                    else:
                        first = startchar
                        countdown += surround
                tks.append(Token(text=word, startchar=startchar, endchar=endchar, boost=1.0, matched=True))
            if countdown >= 0:
                currentlen += tlength
                countdown -= tlength
                if countdown <= 0:
                    yield highlight.mkfrag(text, tks, startchar=first, endchar=endchar)
                    tks, firsts, first, currentlen = [], deque(), None, 0
        if tks:
            yield highlight.mkfrag(text, tks, startchar=first, endchar=endchar)
