"""`flask search rebuild`: the progress output, and the multiprocess option giving the same index."""
import whoosh.writing

from community.search.queries import search


def test_rebuild_reports_progress_and_rate(make_thread, runner):
    make_thread(title="Bulk user import", body="Import users from CSV.")
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Indexing posts" in result.output
    assert "Indexed 1 post in" in result.output and "posts/s" in result.output


def test_rebuild_in_two_processes_indexes_every_post(make_thread, make_member, runner):
    titles = [f"Feature number {word}" for word in ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")]
    for title in titles:
        make_thread(title=title, body="Body text for the rebuild.")
    result = runner.invoke(args=["search", "rebuild", "--procs", "2"])
    assert result.exit_code == 0, result.output
    assert "Indexed 6 posts" in result.output
    member = make_member()
    assert search(member, "feature").total == 6
    assert [t.title_html for t in search(member, "charlie").threads] == ["Feature number <mark>charlie</mark>"]


def test_rebuild_with_a_small_memory_pool_spills_to_disk_and_keeps_every_post(app, make_thread, make_member,
                                                                              runner, monkeypatch):
    # A pool of about 1 KB makes Whoosh write sorted runs to disk and merge them, as a large community does.
    app.config["SEARCH_REBUILD_MEMORY_MB"] = 0.001
    runs = []
    new_run = whoosh.writing.PostingPool._new_run
    monkeypatch.setattr(whoosh.writing.PostingPool, "_new_run", lambda pool: runs.append(1) or new_run(pool))
    for n in range(25):
        make_thread(title=f"Kettle descaling question {n}", body=f"My kettle number {n} needs descaling tips.")
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Indexed 25 posts" in result.output
    assert len(runs) > 1
    member = make_member()
    assert search(member, "descaling").total == 25
    best = search(member, "kettle 17").threads[0]
    assert best.title_html.startswith("<mark>Kettle</mark>") and best.title_html.endswith("<mark>17</mark>")
