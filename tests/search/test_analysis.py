"""The index's analyzer: one memoised folding-and-stop step gives exactly the tokens of Whoosh's filter chain."""
import os
import pickle

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.support.charset import accent_map

from community import markup
from community.demo import people
from community.demo.plan import plan_community
from community.search.documents import html_text
from community.search.schema import text_analyzer
from tests.forum.test_sanitiser_corpus import _vectors

MODES = ({"positions": True}, {"mode": "query"}, {"chars": True, "removestops": False, "mode": "query"},
         {"positions": True, "chars": True}, {"no_morph": True})


def _chain():
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter() | StemFilter()


def _tokens(analyzer, text, kwargs):
    return [(t.text, getattr(t, "pos", None), getattr(t, "startchar", None), getattr(t, "endchar", None), t.stopped)
            for t in analyzer(text, **kwargs)]


def _texts():
    members = [name for name, *_ in people.MEMBERS]
    demo = [post.body for plan in plan_community(1907, 150, members) for post in plan.posts]
    xss = [html_text(markup.render_post(source).html) for _, source in _vectors()[::4]]
    odd = ["Café crème brûlée, ÉTÉ, İstanbul, Straße, ﬁne, Ⅻ", "a I to THE The x 1 22 running RUNS ran",
           "billing BILLED bills", ""]
    return demo + xss + odd


def test_tokens_are_those_of_the_whoosh_filter_chain_in_every_mode():
    old, new = _chain(), text_analyzer()
    different = [(text[:60], kwargs) for text in _texts() for kwargs in MODES
                 if _tokens(old, text, kwargs) != _tokens(new, text, kwargs)]
    assert different == []


def test_spelling_words_stay_unstemmed_and_the_analyzer_survives_pickling():
    analyzer = text_analyzer()
    assert analyzer.has_morph()  # so the title keeps a separate, unstemmed spelling field
    assert [t.text for t in analyzer("Billing the Cafés", no_morph=True)] == ["billing", "cafes"]
    assert [t.text for t in analyzer("Billing the Cafés")] == ["bill", "cafe"]
    copy = pickle.loads(pickle.dumps(analyzer))
    assert copy == analyzer
    assert [t.text for t in copy("Billing the Cafés")] == ["bill", "cafe"]


def test_a_rebuild_brings_an_index_made_with_the_old_chain_up_to_date(app, make_thread, make_member):
    from whoosh import index
    from whoosh.fields import TEXT

    from community.search import store
    from community.search.indexer import index_dir, rebuild
    from community.search.queries import search
    from community.search.schema import make_schema

    old = make_schema()
    for name, boost, spelling in (("title", 2.0, True), ("text", 1.0, False)):
        old.remove(name)
        old.add(name, TEXT(analyzer=_chain(), stored=True, field_boost=boost, spelling=spelling))
    os.makedirs(index_dir(), exist_ok=True)
    index.create_in(index_dir(), old)
    with store._open_lock:  # as the app would find it on disk
        store._open[str(index_dir())] = index.open_dir(index_dir())
    assert store.open_index(index_dir()).schema["text"].analyzer == _chain()
    make_thread(title="Billing annually", body="Pay once a year.")
    rebuild()
    ix = store.open_index(index_dir())
    assert ix.schema["text"].analyzer == text_analyzer()
    assert [t.title_html for t in search(make_member(), "billed annual").threads] == [
        "<mark>Billing</mark> <mark>annually</mark>"]
