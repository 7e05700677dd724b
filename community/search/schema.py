"""The one Whoosh schema: a document per post, carrying its thread's fields for filters and facets."""
from whoosh.analysis import STOP_WORDS, Filter, RegexTokenizer, StemFilter
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

META_ID = "meta:outbox"  # the document that remembers the last outbox id applied
MEMO_LIMIT = 200_000  # distinct raw words remembered per analyzer before the memo starts again


class FoldStop(Filter):
    """Lower case, accent folding and stop words (and words shorter than 2 letters) in one step.

    The same tokens as LowercaseFilter() | CharsetFilter(accent_map) | StopFilter(), but each distinct word is
    worked out once and remembered: a rebuild sees the same few thousand words millions of times, and three
    generator layers per word were a large part of the indexing time. Not a morphological filter, so the
    title's spelling words (analysed with no_morph) stay folded but unstemmed, as before.
    """

    def __init__(self, stoplist=STOP_WORDS, minsize=2):
        self.stops = frozenset(stoplist)
        self.min = minsize
        self._memo = {}

    def __getstate__(self):
        return {"stops": self.stops, "min": self.min}  # the schema is pickled into the index: not the memo

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._memo = {}

    def __eq__(self, other):
        return type(self) is type(other) and self.stops == other.stops and self.min == other.min

    def _fold(self, raw):
        folded = raw.lower().translate(accent_map)
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        found = self._memo[raw] = (folded, len(folded) < self.min or folded in self.stops)
        return found

    def __call__(self, tokens):
        memo, pos = self._memo, None
        for t in tokens:
            folded, stopped = memo.get(t.text) or self._fold(t.text)
            t.text = folded
            if not stopped:
                if t.positions:  # positions count only the words kept, as StopFilter(renumber=True) does
                    if pos is None:
                        pos = t.pos
                    else:
                        pos += 1
                        t.pos = pos
                t.stopped = False
                yield t
            elif not t.removestops:
                t.stopped = True
                yield t


def text_analyzer():
    """Words, lower-cased, accents folded (café = cafe), stop words dropped, English stems (billing = bill)."""
    return RegexTokenizer() | FoldStop() | StemFilter()


def _number(**kwargs):
    """An integer matched exactly (never by range): one index term per value instead of one per precision step."""
    bits = kwargs.pop("bits", 32)
    return NUMERIC(bits=bits, shift_step=bits, **kwargs)


def make_schema():
    analyzer = text_analyzer()
    return Schema(
        id=ID(unique=True, stored=True),  # "p:<post id>" or META_ID
        kind=ID(stored=True),  # post | meta
        post_id=_number(stored=True, bits=64),
        thread_id=_number(stored=True, sortable=True, bits=64),
        number=_number(stored=True),
        # The title is indexed on the opening post only, so a thread's title matches once.
        title=TEXT(analyzer=analyzer, stored=True, field_boost=2.0, spelling=True),
        thread_title=STORED(),
        # Spelling suggestions come from titles: they name the topics, and skipping post bodies keeps rebuilds fast.
        text=TEXT(analyzer=analyzer, stored=True),
        author=ID(stored=True, sortable=True),  # lower-cased username
        author_id=_number(stored=True, bits=64),
        category=ID(stored=True, sortable=True),
        category_id=_number(stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, sortable=True),
        created=DATETIME(stored=True, sortable=True),
        likes=_number(stored=True, sortable=True),
        votes=_number(stored=True, sortable=True),
        feature=BOOLEAN(stored=True),
        status=ID(stored=True, sortable=True),
        # Visibility: filtered in every query for people who can't see them.
        state=ID(stored=True),
        deleted=BOOLEAN(stored=True),
        thread_deleted=BOOLEAN(stored=True),
        staff_only=BOOLEAN(stored=True),
        redirected=BOOLEAN(stored=True),
        outbox_id=_number(stored=True, bits=64),  # on the META_ID document only
    )
