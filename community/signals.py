"""Domain events: what happened, sent after commit, so other areas can listen without the
writer knowing them (search, notifications, insights, real-time)."""
from blinker import Namespace

from .database import after_commit

_events = Namespace()

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


def send_after_commit(signal, sender=None, **kwargs):
    """Queue signal.send(sender, **kwargs) for after the current transaction commits."""
    after_commit(lambda: signal.send(sender, **kwargs))
