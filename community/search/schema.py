"""The one Whoosh schema: a document per post, carrying its thread's fields for filters and facets."""
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

META_ID = "meta:outbox"  # the document that remembers the last outbox id applied


def text_analyzer():
    """Words, lower-cased, accents folded (café = cafe), stop words dropped, English stems (billing = bill)."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter() | StemFilter()


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
