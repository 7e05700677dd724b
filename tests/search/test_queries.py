"""The search box: filters, operators, stemming and accents, related terms, sorting, grouping, suggestions."""
import json
from datetime import timedelta
from urllib.parse import quote

import pytest

from community.database import commit, utcnow
from community.forum.actions import create_post
from community.search import related
from community.search.parsing import FALLBACK_NOTICE
from community.search.queries import search
from tests.conftest import SHARED

HOSTILE = SHARED / "data/security/search/whoosh/whoosh-hostile-queries.json"


def opening(thread):
    from community.extensions import db
    from community.forum.models import Post

    return db.session.query(Post).filter_by(thread_id=thread.id, number=1).one()


def _ids(results):
    return [t.thread_id for t in results.threads]


@pytest.fixture
def corpus(make_thread, make_category, make_member, member, index_now):
    billing, ideas = make_category("Billing"), make_category("Ideas")
    maria, otto = member, make_member("otto")
    threads = {
        "annual": make_thread(author=maria, category=billing, title="Annual billing discount",
                              body="Paying yearly should cost less than monthly.", tags=["pricing"],
                              is_feature_request=True),
        "cafe": make_thread(author=otto, category=ideas, title="Café mode for the reader",
                            body="A relaxed reading layout.", tags=["reader"]),
        "export": make_thread(author=otto, category=ideas, title="Export reports to spreadsheets",
                              body="Exporting to Excel and CSV files.", tags=["reports", "pricing"],
                              is_feature_request=True),
    }
    threads["export"].vote_count, threads["export"].request_status = 12, "planned"
    threads["annual"].vote_count = 3
    threads["cafe"].created_at = utcnow() - timedelta(days=400)
    opening(threads["cafe"]).created_at = threads["cafe"].created_at
    commit()
    index_now()
    return threads


def test_stemming_finds_other_forms_of_a_word(corpus, member):
    assert _ids(search(member, "exported")) == [corpus["export"].id]
    assert corpus["annual"].id in _ids(search(member, "bills"))


def test_accents_are_folded_both_ways(corpus, member):
    assert _ids(search(member, "cafe")) == [corpus["cafe"].id]
    assert _ids(search(member, "cafés")) == [corpus["cafe"].id]


def test_friendly_filters_narrow_results(corpus, member):
    assert _ids(search(member, "author:otto")) and set(_ids(search(member, "author:otto"))) == {
        corpus["cafe"].id, corpus["export"].id}
    assert _ids(search(member, "tag:pricing category:billing")) == [corpus["annual"].id]
    assert set(_ids(search(member, "is:feature-request"))) == {corpus["annual"].id, corpus["export"].id}
    assert _ids(search(member, "status:planned")) == [corpus["export"].id]
    assert _ids(search(member, f"before:{(utcnow() - timedelta(days=30)):%Y-%m-%d}")) == [corpus["cafe"].id]
    assert corpus["cafe"].id not in _ids(search(member, f"after:{(utcnow() - timedelta(days=30)):%Y-%m-%d}"))


def test_phrases_operators_and_prefixes(corpus, member):
    assert _ids(search(member, '"reading layout"')) == [corpus["cafe"].id]
    assert _ids(search(member, '"layout reading"')) == []
    assert set(_ids(search(member, "café OR excel"))) == {corpus["cafe"].id, corpus["export"].id}
    assert _ids(search(member, "tag:pricing NOT excel")) == [corpus["annual"].id]
    assert _ids(search(member, "spread*")) == [corpus["export"].id]


def test_sort_by_votes_and_newest(corpus, member):
    assert _ids(search(member, "is:feature-request", sort="votes")) == [corpus["export"].id, corpus["annual"].id]
    assert _ids(search(member, "reports OR café OR discount", sort="newest"))[-1] == corpus["cafe"].id


def test_facets_count_threads_by_category_and_tag(corpus, member):
    facets = search(member, "tag:pricing").facets
    assert dict(facets["category"]) == {"billing": 1, corpus["export"].category.slug: 1}
    assert dict(facets["tags"]) == {"pricing": 2, "reports": 1}


def test_a_thread_appears_once_with_its_best_posts(corpus, member):
    for n in range(5):
        create_post(member, corpus["cafe"], f"Café mode idea number {n}: softer café colours.")
    from community.search.indexer import apply_pending

    apply_pending()
    results = search(member, "café")
    assert _ids(results) == [corpus["cafe"].id]
    assert len(results.threads[0].posts) == 3


def test_snippets_highlight_matches_and_escape_post_text(make_thread, member, index_now):
    make_thread(title="Script tags", body="Typing `<script>alert(1)</script>` breaks the widget preview.")
    index_now()
    snippet = search(member, "widget").threads[0].posts[0]["snippet_html"]
    assert "<mark>widget</mark>" in snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


def test_did_you_mean_suggests_a_word_from_the_index(corpus, member):
    results = search(member, "spreadshets")
    assert results.total == 0
    assert results.suggestion == "spreadsheets"


def test_related_terms_learned_from_the_community_widen_a_query(corpus, member, app):
    assert _ids(search(member, "layout")) == [corpus["cafe"].id]
    related.save(app.config["SEARCH_INDEX_DIR"], {"layout": ["spreadsheet"]})

    widened = _ids(search(member, "layout"))

    assert widened[0] == corpus["cafe"].id  # the word itself still ranks first
    assert corpus["export"].id in widened
    assert _ids(search(member, "layout", use_related=False)) == [corpus["cafe"].id]


def test_related_terms_never_widen_a_negated_word(corpus, member, app):
    related.save(app.config["SEARCH_INDEX_DIR"], {"excel": ["layout"]})
    assert corpus["cafe"].id in _ids(search(member, "café NOT excel"))


def test_threads_with_every_word_come_before_threads_with_some(corpus, member, make_thread, index_now):
    newsletter = make_thread(title="Monthly newsletter", body="A monthly email with tips.")
    index_now()

    results = search(member, "discount monthly")

    assert _ids(results) == [corpus["annual"].id, newsletter.id]
    assert results.all_words == 1 and [t.partial for t in results.threads] == [False, True]
    assert results.total == 2 and results.partial_threads == 1  # counted as listed


def test_malformed_query_falls_back_to_plain_words_and_says_so(corpus, member):
    results = search(member, "created:[now TO] export")
    assert results.notice == FALLBACK_NOTICE
    assert corpus["export"].id in _ids(results)


def test_every_hostile_query_returns_a_page(corpus, client):
    queries = json.loads(HOSTILE.read_text())["queries"]
    assert len(queries) >= 90
    for item in queries:
        q = item["query"]
        # Sent as a browser would: UTF-8 bytes, percent-encoded (a lone surrogate too).
        encoded = quote(q.encode("utf-8", "surrogatepass"), safe="")
        page = client.get(f"/search?q={encoded}")
        assert page.status_code == 200, q
        api = client.get(f"/api/search?q={encoded}")
        assert api.status_code == 200 and "threads" in api.get_json(), q


def test_widen_always_ranks_some_word_threads_after_all_word_threads(corpus, member, make_thread, index_now):
    newsletter = make_thread(title="Monthly newsletter", body="A monthly email with tips.")
    index_now()

    results = search(member, "discount monthly", widen="always")

    assert _ids(results) == [corpus["annual"].id, newsletter.id]
