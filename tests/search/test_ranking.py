"""The array-based ranked pass and snippets give what Whoosh's own matchers and highlighter give."""
import pytest
from whoosh import highlight

from community.forum.actions import create_post, edit_post
from community.search import ranking
from community.search.indexer import current_index
from community.search.parsing import parse
from community.search.queries import Marker, search
from community.search.reading import searcher_for
from community.search.snippets import Snippets

BODIES = [
    "The kettle app crashes when I schedule a boil for the morning.",
    "Firmware update 2.1 broke the kettle schedule; the app shows an error.",
    "Please add a silent mode: the beeps wake the whole house at night.",
    "Silent mode would be lovely. Mode switching in the app is slow though.",
    "After the firmware update the grinder is louder. Update notes say nothing.",
    "Café mode for the reader, with a calmer layout and the app's dark theme.",
]


@pytest.fixture
def posts(make_thread, make_category, member, index_now):
    kitchen, ideas = make_category("Kitchen"), make_category("Ideas")
    threads = []
    for n, body in enumerate(BODIES):
        thread = make_thread(author=member, category=kitchen if n % 2 else ideas, title=f"Report {n}: {body[:24]}",
                             body=body, tags=["kettle"] if "kettle" in body else ["misc"])
        create_post(member, thread, body.replace("the", "a") + " Same here, the app again.")
        threads.append(thread)
    index_now()
    return threads


QUERIES = ["app", "kettle schedule", "mode OR firmware", '"silent mode"', '"mode silent"', "update tag:kettle",
           "category:kitchen app", "app NOT kettle", "app -tag:kettle", "beeps OR café OR grinder", "nothingmatches"]


@pytest.mark.parametrize("qstring", QUERIES)
def test_ranked_pass_matches_and_scores_like_whoosh(posts, app, qstring):
    ix = current_index()
    entry = searcher_for(ix)
    query = parse(ix.schema, qstring).query.normalize()
    docs, scores = ranking.evaluate(entry, query)
    whoosh = {hit.docnum: hit.score for hit in entry.searcher.search(query, limit=None)}
    assert set(docs.tolist()) == set(whoosh)
    if "NOT" not in str(query):  # Whoosh adds a constant for each NOT; the order is the same
        for doc, score in zip(docs.tolist(), scores.tolist()):
            assert score == pytest.approx(whoosh[doc], rel=1e-5)


def test_shapes_the_ranked_pass_leaves_to_whoosh_still_search(posts, member):
    with pytest.raises(ranking.Unsupported):
        ix = current_index()
        ranking.evaluate(searcher_for(ix), parse(ix.schema, "grind*").query.normalize())
    assert [t.thread_id for t in search(member, "grind*").threads] == [posts[4].id]
    assert {t.thread_id for t in search(member, "schedul~").threads} >= {posts[0].id, posts[1].id}


def test_edited_and_new_posts_are_found_through_cached_postings(posts, member, index_now):
    assert search(member, "espresso").total == 0
    search(member, "app")  # fills the per-segment caches
    reply = create_post(member, posts[2], "An espresso button in the app, please.")
    index_now()
    assert [p["post_id"] for t in search(member, "espresso").threads for p in t.posts] == [reply.id]
    edit_post(member, reply, "A cappuccino button, please.")
    index_now()
    assert search(member, "espresso").total == 0
    assert search(member, "cappuccino").total_posts == 1


def test_a_page_is_full_when_every_thread_matches_with_many_posts(make_thread, member, index_now):
    threads = [make_thread(author=member, title=f"Lamp {n}", body="Dimmer lamp.", tags=["lamps"]) for n in range(5)]
    for thread in threads:
        for n in range(4):
            create_post(member, thread, f"Dimmer lamp reply {n}.")
    index_now()
    first, second = search(member, "tag:lamps", per_page=3), search(member, "tag:lamps", per_page=3, page=2)
    assert len(first.threads) == 3 and len(second.threads) == 2
    assert {t.thread_id for t in first.threads + second.threads} == {t.id for t in threads}
    assert all(len(t.posts) == 3 for t in first.threads + second.threads)


@pytest.mark.parametrize("qstring", ["app", "mode", "silent mode", "café", "firmware update"])
def test_snippets_are_what_whoosh_highlighter_gives(posts, app, qstring):
    ix = current_index()
    searcher = searcher_for(ix).searcher
    query = parse(ix.schema, qstring).query
    field = ix.schema["text"]
    words = frozenset(field.from_bytes(t) for _f, t in query.existing_terms(searcher.reader(), fieldname="text"))
    whoosh = highlight.Highlighter(fragmenter=highlight.ContextFragmenter(maxchars=220, surround=60),
                                   formatter=Marker(between=" … "))
    snippets = Snippets(field.analyzer, Marker(between=" … "))
    hits = searcher.search(query, limit=None)
    assert len(hits)
    long_text = " ".join(BODIES * 4) + " <b>& the app</b>"
    for hit in hits:
        assert snippets.mark(hit["text"], words) == whoosh.highlight_hit(hit, "text", top=2)
        assert snippets.mark(long_text, words) == whoosh.highlight_hit(hit, "text", text=long_text, top=2)


def test_ranked_pass_on_an_index_without_documents_finds_nothing_instead_of_failing(app):
    ix = current_index()  # never written to: a new install before its first rebuild commits
    entry = searcher_for(ix)
    assert entry.searcher.doc_count_all() == 0
    for qstring in ["kettle", "kettle schedule", "mode OR firmware", "app NOT kettle", "category:kitchen app"]:
        docs, scores = ranking.evaluate(entry, parse(ix.schema, qstring).query.normalize())
        assert (len(docs), len(scores)) == (0, 0), qstring
