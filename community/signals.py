"""Domain events: what happened, sent after commit, so other areas can listen without the
writer knowing them (search, notifications, insights, real-time)."""
from functools import partial

from blinker import Namespace

from .database import after_commit, run_guarded, step_name

_events = Namespace()
_in_transaction = Namespace()

member_joined = _events.signal("member-joined")
thread_created = _events.signal("thread-created")
post_created = _events.signal("post-created")
post_edited = _events.signal("post-edited")
post_deleted = _events.signal("post-deleted")
post_restored = _events.signal("post-restored")
post_liked = _events.signal("post-liked")
post_state_changed = _events.signal("post-state-changed")  # held, approved, hidden, rejected
thread_changed = _events.signal("thread-changed")  # moved, locked, pinned, merged, status
post_flagged = _events.signal("post-flagged")  # a member or a watched word raised a flag on a post
flags_resolved = _events.signal("flags-resolved")  # staff decided on a post's open flags
request_voted = _events.signal("request-voted")  # a member gave or took back their vote on a feature request


def in_transaction(signal):
    """The companion of signal whose receivers run before the commit, inside the writer's transaction. They may
    only add rows to it, such as a background job (jobs.enqueue): the work they ask for is then kept exactly when
    the change is. Receivers of signal itself run after the commit."""
    return _in_transaction.signal(signal.name)


def send_after_commit(signal, sender=None, **kwargs):
    """Send in_transaction(signal) now, and queue signal for after the current transaction commits."""
    in_transaction(signal).send(sender, **kwargs)
    after_commit(partial(send_guarded, signal, sender, **kwargs))


def send_guarded(signal, sender=None, **kwargs):
    """signal.send, except that a receiver that raises is logged and recorded (database.run_guarded) and the
    receivers after it still run."""
    for receiver in list(signal.receivers_for(sender)):
        run_guarded(partial(receiver, sender, **kwargs), name=f"{step_name(receiver)} on {signal.name}")
