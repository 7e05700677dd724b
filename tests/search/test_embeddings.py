"""The optional sentence-embedding extra: threads near in meaning are found; without the extra nothing changes."""
import pytest

from community.search import embeddings, related
from community.search.indexer import index_dir, rebuild
from community.search.queries import search

needs_extra = pytest.mark.skipif(not embeddings.available(),
                                 reason="optional embedding extra not installed (make embeddings)")


@pytest.fixture
def without_extra(monkeypatch):
    monkeypatch.setattr(embeddings, "_missing", "No module named 'sentence_transformers'")


def _titles(user, q):
    return [t.title_html for t in search(user, q).threads]


def test_search_works_on_words_alone_without_the_extra(without_extra, make_thread, make_member, index_now):
    make_thread(title="Kettle wakes the whole house", body="Can it stop beeping? I want it quiet at night.")
    make_thread(title="A silent mode please", body="Turn off the beeps.")
    rebuild()
    assert related.load(index_dir()).neighbours is None
    assert not (embeddings.Path(index_dir()) / embeddings.VECTORS).exists()
    assert _titles(make_member(), "silent mode") == ["A <mark>silent</mark> <mark>mode</mark> please"]


def test_turned_off_by_config_even_when_installed(app, make_thread, make_member):
    app.config["SEARCH_EMBEDDINGS"] = False
    make_thread(title="Kettle wakes the whole house", body="Can it stop beeping? I want it quiet at night.")
    rebuild()
    assert related.load(index_dir()).neighbours is None
    assert not (embeddings.Path(index_dir()) / embeddings.VECTORS).exists()


@needs_extra
def test_a_paraphrase_is_found_by_meaning(make_thread, make_member, index_now):
    target = make_thread(title="Kettle wakes the whole house",
                         body="Can it stop beeping? Three loud beeps at 6am, I just want it quiet at night.")
    make_thread(title="Grinder burrs wearing out", body="The coffee grind got uneven after a year of use.")
    make_thread(title="Thermostat schedule for weekends", body="Different heating times on Saturday and Sunday.")
    rebuild()
    member = make_member()
    results = search(member, "silent mode")
    assert [t.thread_id for t in results.threads][:1] == [target.id]
    # Without the vectors the words alone find nothing.
    assert search(member, "silent mode", use_related=False).threads == []


@needs_extra
def test_new_threads_get_vectors_as_they_are_indexed(make_thread, make_member, index_now):
    make_thread(title="Grinder burrs wearing out", body="The coffee grind got uneven after a year of use.")
    rebuild()
    before = len(embeddings.load(index_dir()).doc_ids)
    target = make_thread(title="Pay for the premium plan once",
                         body="Please let me pay once a year instead of every month.")
    index_now()
    assert len(embeddings.load(index_dir()).doc_ids) == before + 1
    assert target.id in [t.thread_id for t in search(make_member(), "annual billing").threads]


@needs_extra
def test_neighbours_respect_visibility(make_thread, make_member, make_category, index_now):
    staff_only = make_category(name="Staff room", staff_only=True)
    make_thread(title="Kettle wakes the whole house", body="Can it stop beeping? I want it quiet at night.",
                category=staff_only, author=make_member(role="facilitator"))
    rebuild()
    assert search(make_member(), "silent mode").threads == []


@needs_extra
def test_an_unchanged_thread_keeps_its_vector_across_rebuilds(make_thread, monkeypatch):
    make_thread(title="Kettle wakes the whole house", body="Can it stop beeping?")
    rebuild()
    calls = []
    real = embeddings.encode
    monkeypatch.setattr(embeddings, "encode", lambda texts: calls.append(list(texts)) or real(texts))
    rebuild()
    assert calls == []
