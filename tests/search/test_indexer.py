"""The outbox and the indexer: every searchable change reaches the index, in order, without loss."""
import threading
import time

from sqlalchemy import select

from community.database import commit
from community.extensions import db
from community.forum.actions import create_post, edit_post, toggle_like
from community.search import indexer
from community.search.models import OutboxEntry
from community.search.queries import search
from community.search.store import get_writer, last_applied, open_index


def _outbox():
    return [(r.kind, r.object_id) for r in db.session.scalars(select(OutboxEntry).order_by(OutboxEntry.id))]


def _titles(user, q):
    return [t.title_html for t in search(user, q).threads]


def test_new_thread_writes_outbox_rows_in_the_same_transaction(make_thread):
    thread = make_thread(title="Annual billing", body="Pay once a year.")
    rows = _outbox()
    assert ("thread", thread.id) in rows
    assert any(kind == "post" for kind, _ in rows)


def test_rolled_back_change_leaves_no_outbox_row(make_thread, index_now):
    thread = make_thread(title="Something to rename")
    index_now()
    thread.title = "Renamed but never committed"
    db.session.flush()
    db.session.rollback()
    assert _outbox() == []


def test_view_count_changes_do_not_touch_the_index(make_thread, index_now):
    from community.forum.actions import record_view

    thread = make_thread()
    index_now()
    record_view(thread)
    assert _outbox() == []


def test_new_post_is_searchable_after_the_indexer_runs(make_thread, member, index_now):
    thread = make_thread(title="Mobile app", body="An app for phones.")
    index_now()
    create_post(member, thread, "Offline sync in the mobile app would help on flights.")
    assert search(member, "flights").total == 0

    applied = index_now()

    assert applied >= 1
    assert search(member, "flights").total == 1
    assert _outbox() == []


def test_edit_replaces_the_indexed_text(make_thread, member, index_now):
    thread = make_thread(author=member, title="Colour themes", body="Please add a purple theme.")
    index_now()
    opening = thread_opening(thread)
    edit_post(member, opening, "Please add a turquoise theme.", title="Colour themes again")
    index_now()

    assert search(member, "purple").total == 0
    assert search(member, "turquoise").total == 1
    assert "again" in _titles(member, "turquoise")[0]


def test_moving_a_thread_reindexes_every_post_under_the_new_category(make_thread, make_category, member, index_now):
    old, new = make_category("Ideas"), make_category("Billing")
    thread = make_thread(category=old, title="Invoices by email", body="Email me the invoices.")
    create_post(member, thread, "Also the receipts by email.")
    index_now()

    thread.category_id = new.id
    commit()
    index_now()

    results = search(member, "email category:billing")
    assert results.total == 1 and len(results.threads[0].posts) == 2


def test_votes_status_and_likes_reach_the_index(make_thread, make_member, member, index_now):
    thread = make_thread(title="Two factor login", body="Support authenticator apps.", is_feature_request=True)
    index_now()
    thread.vote_count = 7
    thread.request_status = "planned"
    commit()
    toggle_like(make_member(), thread_opening(thread))
    index_now()

    hit = search(member, "authenticator status:planned").threads[0]
    assert hit.votes == 7 and hit.status == "planned" and hit.posts[0]["likes"] == 1


def test_indexer_records_the_last_applied_outbox_id_in_the_index(make_thread, app, index_now):
    make_thread()
    last_id = max(r.id for r in db.session.scalars(select(OutboxEntry)))
    index_now()
    assert last_applied(open_index(app.config["SEARCH_INDEX_DIR"])) == last_id


def test_a_crash_before_the_outbox_is_cleared_is_repaired_by_the_next_run(make_thread, member, app, index_now,
                                                                          monkeypatch):
    thread = make_thread(title="Audit log export", body="Export the audit log.")
    # The index commit fails (disk full, process killed): the rows must survive for the next run.
    monkeypatch.setattr(indexer, "write_bookmark", _explode)
    try:
        index_now()
    except RuntimeError:
        pass
    assert ("thread", thread.id) in _outbox()
    monkeypatch.undo()

    index_now()
    assert search(member, "audit").total == 1
    assert _outbox() == []


def _explode(*args, **kwargs):
    raise RuntimeError("simulated crash")


def test_indexer_waits_for_another_writer_instead_of_failing(make_thread, member, app, index_now):
    make_thread(title="Slack integration", body="Post alerts to Slack.")
    ix = open_index(app.config["SEARCH_INDEX_DIR"])
    other = get_writer(ix)  # another process holding the Whoosh lock
    release = threading.Timer(0.3, other.cancel)
    release.start()
    started = time.monotonic()

    index_now()

    assert time.monotonic() - started >= 0.25
    assert search(member, "slack").total == 1


def test_rebuild_indexes_everything_and_empties_the_outbox(make_thread, member, runner, index_now):
    make_thread(title="Bulk user import", body="Import users from CSV.")
    make_thread(title="SAML single sign-on", body="Okta and Azure AD.")

    result = runner.invoke(args=["search", "rebuild"])

    assert result.exit_code == 0, result.output
    assert "Indexed 2 posts" in result.output
    assert _outbox() == []
    assert search(member, "okta").total == 1


def test_status_reports_waiting_changes_and_lag(make_thread, runner, index_now):
    make_thread()
    result = runner.invoke(args=["search", "status"])
    assert "Changes waiting: 0" not in result.output and "oldest waiting change" in result.output

    index_now()
    result = runner.invoke(args=["search", "status"])
    assert "Changes waiting: 0" in result.output and "up to date" in result.output


def test_worker_once_applies_waiting_changes(make_thread, member, runner):
    from community.auth.models import User

    make_thread(title="Zapier connector", body="Connect to Zapier.")
    member_id = member.id
    result = runner.invoke(args=["search", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert search(db.session.get(User, member_id), "zapier").total == 1


def thread_opening(thread):
    from community.forum.models import Post

    return db.session.query(Post).filter_by(thread_id=thread.id, number=1).one()


def test_an_index_never_built_is_rebuilt_from_existing_posts(make_thread, member, db):
    from community.search.indexer import ensure_built

    make_thread(title="Bulk loaded thread", body="Written before the index existed.")
    db.session.execute(OutboxEntry.__table__.delete())  # as if loaded in bulk, past the outbox
    db.session.commit()

    assert ensure_built() is True
    assert search(member, "bulk").total == 1
    assert ensure_built() is False


def test_background_indexer_picks_up_a_new_post_without_being_called(app, make_thread, member):
    from community.search.indexer import BackgroundIndexer, wake_indexers, _running

    background = BackgroundIndexer(app, interval=0.2)
    background.start()
    _running.append(background)
    try:
        thread = make_thread(title="Threaded indexing", body="Picked up in the background.")
        wake_indexers()
        deadline = time.monotonic() + 10
        while search(member, "background").total == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert search(member, "background").threads[0].thread_id == thread.id
    finally:
        _running.remove(background)
        background.stop()
