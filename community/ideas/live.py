"""Live feature-request pages: after a vote, a merge or a marking, open thread pages show the new vote total."""
from sqlalchemy import select

from .. import permissions, realtime, signals
from ..extensions import db
from ..forum.models import Thread

COUNT_CHANGES = frozenset({"merge", "feature_request"})  # thread_changed kinds that move a vote total


def push_vote_count(thread_id):
    """Send the committed total, read afresh (parallel votes are counted in SQL, not in this session), to those
    who may read the thread now: a thread moved to a staff-only category or deleted keeps its totals from the
    members who opened it before."""
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        return
    votes = db.session.scalar(select(Thread.vote_count).where(Thread.id == thread_id))
    realtime.vote_count(thread_id, votes, permissions.thread_audience(thread))


def on_request_voted(sender, thread, **_):
    push_vote_count(thread.id)


def on_thread_changed(sender, thread, change=None, **_):
    if change in COUNT_CHANGES:
        push_vote_count(thread.id)


def connect_receivers():
    signals.request_voted.connect(on_request_voted, weak=False)
    signals.thread_changed.connect(on_thread_changed, weak=False)
