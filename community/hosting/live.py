"""The floor, live: after commit, tell staff with the floor open when an item joins or leaves a section.

Each receiver decides from the event itself (a few small reads at most) whether the chime-in queue
changed; the floor page then shows "changed since you opened it" and reloads its items on request.
Threads that start waiting when the chime-in delay runs out are a matter of time, not of an event,
and are not announced.
"""
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from .. import permissions, realtime, signals
from ..extensions import db
from ..forum.models import Thread
from ..moderation.models import Flag
from ..settings import get_setting
from .floor import is_sour


def _is_first_thread(thread):
    earlier = aliased(Thread)
    return not db.session.scalar(select(exists().where(earlier.author_id == thread.author_id,
                                                       earlier.id < thread.id)))


def _open_flags(post_id):
    return db.session.scalar(select(exists().where(Flag.post_id == post_id, Flag.resolved_at.is_(None))))


def on_thread_created(sender, thread, post, **_):
    if post.state == "held":
        realtime.floor_changed("held", "new")
    elif (post.state == "published" and not post.by_staff and not permissions.is_staff(thread.author)
          and _is_first_thread(thread)):
        realtime.floor_changed("newcomers", "new")


def on_post_created(sender, post, **_):
    if post.state == "held":
        realtime.floor_changed("held", "new")
        return
    if post.state != "published":
        return
    thread = post.thread
    if thread.reply_count == 1 and not permissions.is_staff(thread.author):
        realtime.floor_changed("waiting", "handled")  # the thread's first reply: it waits no longer
    if post.by_staff:
        if is_sour(thread.id, before_post_id=post.id):
            realtime.floor_changed("sour", "handled")  # a host chimed in
    elif post.sentiment < float(get_setting("negative_mood_below")):
        if is_sour(thread.id) and not is_sour(thread.id, before_post_id=post.id):
            realtime.floor_changed("sour", "new")


def on_post_state_changed(sender, post, before=None, after=None, **_):
    if after == "held":
        realtime.floor_changed("held", "new")
    elif before == "held":
        realtime.floor_changed("held", "handled")


def _unanswered_member_thread(thread):
    return thread.reply_count == 0 and not permissions.is_staff(thread.author)


def on_post_deleted(sender, post, **_):
    if post.number == 1 and post.state == "published" and _unanswered_member_thread(post.thread):
        realtime.floor_changed("waiting", "handled")  # the thread went with its opening post
    if post.state == "held":
        realtime.floor_changed("held", "handled")
    if _open_flags(post.id):
        realtime.floor_changed("flagged", "handled")


def on_thread_changed(sender, thread, change=None, **_):
    """Locking or merging away an unanswered thread takes it off the queue; unlocking may bring it back."""
    if change in ("lock_thread", "merge_threads", "unlock_thread") and _unanswered_member_thread(thread):
        if change == "unlock_thread":
            realtime.floor_changed("waiting", "changed")
        elif change == "lock_thread" or thread.redirect_to_id is not None:
            realtime.floor_changed("waiting", "handled")


def on_post_flagged(sender, post, flag, **_):
    others = db.session.scalar(select(exists().where(Flag.post_id == post.id, Flag.resolved_at.is_(None),
                                                     Flag.id != flag.id)))
    realtime.floor_changed("flagged", "changed" if others else "new")


def on_flags_resolved(sender, post, **_):
    realtime.floor_changed("flagged", "handled")


def connect_receivers():
    """Called once from create_app."""
    signals.thread_created.connect(on_thread_created, weak=False)
    signals.post_created.connect(on_post_created, weak=False)
    signals.post_state_changed.connect(on_post_state_changed, weak=False)
    signals.post_deleted.connect(on_post_deleted, weak=False)
    signals.thread_changed.connect(on_thread_changed, weak=False)
    signals.post_flagged.connect(on_post_flagged, weak=False)
    signals.flags_resolved.connect(on_flags_resolved, weak=False)
