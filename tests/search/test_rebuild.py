"""`flask search rebuild`: the progress output, and the multiprocess option giving the same index."""
from community.search.queries import search


def test_rebuild_reports_progress_and_rate(make_thread, runner):
    make_thread(title="Bulk user import", body="Import users from CSV.")
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Indexing posts" in result.output
    assert "Indexed 1 posts in" in result.output and "posts/s" in result.output


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
