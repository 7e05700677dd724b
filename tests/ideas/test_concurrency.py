"""Votes cast at the same moment on PostgreSQL: the stored count still equals the votes."""
import threading

import pytest
from sqlalchemy import func, select

from community.auth.models import User
from community.forum.models import Thread
from community.ideas import actions
from community.ideas.models import Vote


@pytest.fixture
def postgres_only(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need a real database server (set TEST_DATABASE_URL)")


def vote_in_parallel(app, pairs):
    """Each (user id, thread id) toggles a vote in its own thread and session, all released together."""
    barrier = threading.Barrier(len(pairs))
    errors = []

    def work(user_id, thread_id):
        with app.app_context():
            from community.extensions import db
            user, thread = db.session.get(User, user_id), db.session.get(Thread, thread_id)
            barrier.wait()
            try:
                actions.toggle_vote(user, thread)
            except Exception as error:  # reported below, so a failure names its cause
                errors.append(error)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=work, args=pair) for pair in pairs]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return errors


def test_simultaneous_votes_from_many_members_are_all_counted(app, db, postgres_only, make_thread, make_member):
    thread = make_thread(title="Offline mode for the app", is_feature_request=True)
    people = [make_member() for _ in range(8)]
    errors = vote_in_parallel(app, [(p.id, thread.id) for p in people])
    assert errors == []
    db.session.expire_all()
    stored = db.session.get(Thread, thread.id).vote_count
    counted = db.session.scalar(select(func.count()).select_from(Vote).where(Vote.thread_id == thread.id))
    assert stored == counted == 9


def test_a_double_click_leaves_one_vote_and_a_true_count(app, db, postgres_only, make_thread, make_member):
    thread = make_thread(title="Offline mode for the app", is_feature_request=True)
    person = make_member()
    errors = vote_in_parallel(app, [(person.id, thread.id)] * 2)
    assert errors == []
    db.session.expire_all()
    stored = db.session.get(Thread, thread.id).vote_count
    counted = db.session.scalar(select(func.count()).select_from(Vote).where(Vote.thread_id == thread.id))
    assert stored == counted and counted in (1, 2)
