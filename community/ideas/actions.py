"""Feature-request state changes: marking, voting, product status and merging duplicates."""
import re

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import markup, permissions, sentiment, signals
from ..database import commit, rollback, utcnow
from ..errors import Invalid
from ..extensions import db
from ..forum.actions import refresh_thread_counters, render_body
from ..forum.models import REQUEST_STATUSES, Post, Thread, ThreadFollow
from ..moderation.audit import record_audit
from ..notifications.actions import notify_many
from ..posting.policy import check_text
from ..urls import path_for
from .models import STATUS_LABELS, RequestStatusChange, Vote

NOTE_MAX = 2000
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def thread_url(thread, external=False):
    """The thread's address, also from actions run outside a request (CLI, signal receivers)."""
    if external:
        return url_for("forum.thread", thread_id=thread.id, slug=thread.slug or None, _external=True)
    return path_for("forum.thread", thread_id=thread.id, slug=thread.slug or None)


def count_votes(thread_id):
    return db.session.scalar(select(func.count()).select_from(Vote).where(Vote.thread_id == thread_id)) or 0


def _add_author_vote(thread):
    """The author of a request wants it: their vote counts from the start."""
    if db.session.get(Vote, (thread.id, thread.author_id)) is None:
        db.session.add(Vote(thread_id=thread.id, user_id=thread.author_id))
        db.session.flush()
    thread.vote_count = count_votes(thread.id)


def on_thread_created(sender, thread=None, **kwargs):
    """signals.thread_created receiver: a new feature request starts with its author's vote."""
    if thread is None or not thread.is_feature_request:
        return
    try:
        _add_author_vote(thread)
        commit()
    except IntegrityError:
        # The author voted in a parallel request already: their vote is there, which is all we wanted.
        rollback()


def set_feature_request(actor, thread, is_request):
    """Mark a thread as a feature request (its author's vote counts at once) or unmark it."""
    is_request = bool(is_request)
    if is_request:
        permissions.require(permissions.can_mark_feature_request(actor, thread),
                            "Only the author or staff can make this thread a feature request.")
    else:
        permissions.require(permissions.can_unmark_feature_request(actor, thread),
                            "Other members have voted for this request: ask staff if it should not be one.")
    if thread.redirect_to_id is not None or thread.deleted_at is not None:
        raise Invalid("This thread was merged or deleted; change the thread it points to instead.")
    if thread.is_feature_request == is_request:
        return thread
    thread.is_feature_request = is_request
    if is_request:
        _add_author_vote(thread)
    # Unmarking keeps the votes, so marking again by mistake-and-undo loses nobody's vote.
    if actor.id != thread.author_id:
        record_audit(actor, "mark_feature_request" if is_request else "unmark_feature_request", "thread",
                     thread.id, subject_user=thread.author, before={"is_feature_request": not is_request},
                     after={"is_feature_request": is_request})
    db.session.flush()
    signals.send_after_commit(signals.thread_changed, thread=thread, change="feature_request", actor=actor)
    commit()
    return thread


def _check_votable(user, thread):
    permissions.require(permissions.can_vote(user, thread), "You can vote only on feature requests you can see.")
    if thread.redirect_to_id is not None:
        raise Invalid("This request was merged into another one: vote there.")
    if thread.deleted_at is not None:
        raise Invalid("This request has been deleted.")


def toggle_vote(user, thread):
    """+1 a feature request, or take the vote back; returns whether the member now votes for it."""
    _check_votable(user, thread)
    existing = db.session.get(Vote, (thread.id, user.id))
    if existing is not None:
        db.session.delete(existing)
        # An SQL increment, not a Python one: parallel voters must not overwrite each other's count.
        thread.vote_count = Thread.vote_count - 1
        voted = False
    else:
        db.session.add(Vote(thread_id=thread.id, user_id=user.id, created_at=utcnow()))
        thread.vote_count = Thread.vote_count + 1
        voted = True
    signals.send_after_commit(signals.request_voted, thread=thread, user=user, voted=voted)
    try:
        db.session.flush()
        commit()
    except IntegrityError:
        # A double click raced itself: the first request recorded the vote.
        rollback()
        return db.session.get(Vote, (thread.id, user.id)) is not None
    return voted


def _check_note(note):
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(f"Keep the note under {NOTE_MAX} characters; this one has {len(note)}.", field="note")
    return note


def request_audience(thread_id):
    """Everyone who voted for or follows a request, each once."""
    voters = select(Vote.user_id).where(Vote.thread_id == thread_id)
    followers = select(ThreadFollow.user_id).where(ThreadFollow.thread_id == thread_id)
    return sorted(set(db.session.scalars(voters.union(followers))))


def set_request_status(actor, thread, status, note=""):
    """Set a request's product status with a public note; voters and followers are told once each."""
    permissions.require(permissions.can_set_request_status(actor), "Only product managers set a request's status.")
    if not thread.is_feature_request:
        raise Invalid("Only feature requests have a status.")
    if thread.redirect_to_id is not None or thread.deleted_at is not None:
        raise Invalid("This request was merged or deleted; set the status of the request it points to.")
    if status not in REQUEST_STATUSES:
        raise Invalid("Choose one of the listed statuses.", field="status")
    note = _check_note(note)
    if status == thread.request_status and note == thread.request_status_note:
        return thread
    check_text(actor, {"note": note}, previous={"note": thread.request_status_note})
    db.session.add(RequestStatusChange(thread_id=thread.id, actor_id=actor.id, old_status=thread.request_status,
                                       new_status=status, note=note, created_at=utcnow()))
    thread.request_status = status
    thread.request_status_note = note
    text = f"{actor.name} set “{thread.title}” to {STATUS_LABELS[status]}"
    if note:
        text += f": {note}"
    url = thread_url(thread)
    notify_many(request_audience(thread.id), "request_status", text, url, actor=actor, thread_id=thread.id)
    db.session.flush()
    signals.send_after_commit(signals.thread_changed, thread=thread, change="status", actor=actor)
    commit()
    return thread


def resolve_thread_reference(reference):
    """A thread from what staff paste: its number (123, #123) or its address (…/t/123/slug)."""
    reference = (reference or "").strip()
    match = re.fullmatch(r"#?(\d{1,10})", reference) or re.search(r"/t/(\d{1,10})(?:[/?#]|$)", reference)
    if match is None:
        raise Invalid("Give the number or the address of the request to merge into.", field="target")
    thread = db.session.get(Thread, int(match.group(1)))
    if thread is None:
        raise Invalid(f"There is no thread number {match.group(1)}.", field="target")
    return thread


def _merge_note(target):
    title = MARKDOWN_SPECIAL.sub(r"\\\1", target.title)
    return (f"This request was merged into [{title}]({thread_url(target)}). "
            "Its votes and followers moved there: please continue the conversation in that thread.")


def _add_merge_post(actor, source, target):
    """A post in the old thread saying where the conversation went, written as part of the merge."""
    db.session.execute(select(Thread.id).where(Thread.id == source.id).with_for_update())
    number = (db.session.scalar(select(func.max(Post.number)).where(Post.thread_id == source.id)) or 0) + 1
    body = _merge_note(target)
    html = render_body(body).html
    post = Post(thread=source, author_id=actor.id, number=number, body_source=body, body_html=html,
                by_staff=permissions.is_staff(actor), state="published",
                sentiment=sentiment.score(markup.plain_text(html)), created_at=utcnow())
    db.session.add(post)
    db.session.flush()
    refresh_thread_counters(source)
    source.category.post_count += 1
    actor.post_count += 1
    return post


def merge_requests(actor, source, target, reason=""):
    """Merge a duplicate request into another: votes combine (a member counts once), followers move,
    the old thread points to the new one and says so."""
    permissions.require(permissions.can_merge_requests(actor), "Only staff merge feature requests.")
    if source.id == target.id:
        raise Invalid("A request can't be merged into itself.", field="target")
    if not source.is_feature_request:
        raise Invalid("Only feature requests are merged here.")
    if source.redirect_to_id is not None:
        raise Invalid("This request was merged already.")
    if target.redirect_to_id is not None:
        raise Invalid("That request was itself merged into another: merge into that one.", field="target")
    if target.deleted_at is not None or not permissions.can_view_thread(actor, target):
        raise Invalid("That request has been deleted.", field="target")
    if not target.is_feature_request:
        raise Invalid("Merge into a feature request; mark that thread as one first.", field="target")
    if target.category.staff_only and not source.category.staff_only:
        # Members would follow the old address into a thread they can't see, and their votes with it.
        raise Invalid("That request is in a staff-only category: members could not follow it there.",
                      field="target")
    reason = (reason or "").strip()[:500]

    target_voters = set(db.session.scalars(select(Vote.user_id).where(Vote.thread_id == target.id)))
    moved, both = [], []
    for vote in db.session.scalars(select(Vote).where(Vote.thread_id == source.id)).all():
        if vote.user_id in target_voters:
            both.append(vote.user_id)
        else:
            db.session.add(Vote(thread_id=target.id, user_id=vote.user_id, created_at=vote.created_at))
            moved.append(vote.user_id)
        db.session.delete(vote)
    target_followers = set(db.session.scalars(select(ThreadFollow.user_id).where(ThreadFollow.thread_id == target.id)))
    for user_id in db.session.scalars(select(ThreadFollow.user_id).where(ThreadFollow.thread_id == source.id)):
        if user_id not in target_followers:
            db.session.add(ThreadFollow(thread_id=target.id, user_id=user_id))
    db.session.flush()

    before = {"source_votes": len(moved) + len(both), "target_votes": target.vote_count}
    source.redirect_to_id = target.id
    source.vote_count = 0
    target.vote_count = count_votes(target.id)
    _add_merge_post(actor, source, target)
    record_audit(actor, "merge_request", "thread", source.id, reason=reason, subject_user=source.author,
                 before=before,
                 after={"redirect_to_id": target.id, "target_votes": target.vote_count,
                        "votes_moved": moved, "voted_on_both": both})
    db.session.flush()
    signals.send_after_commit(signals.thread_changed, thread=source, change="merge", actor=actor, target=target)
    signals.send_after_commit(signals.thread_changed, thread=target, change="merge", actor=actor, source=source)
    commit()
    return target


def connect_receivers():
    """Connect this area's signal receivers (create_app calls this once per app; connecting twice is harmless)."""
    from . import live

    signals.thread_created.connect(on_thread_created)
    live.connect_receivers()  # vote totals on open thread pages


def recount_votes(thread_ids):
    """Set each thread's vote_count from its votes (repair after a bulk import); returns how many were wrong."""
    counts = dict(db.session.execute(select(Vote.thread_id, func.count(Vote.user_id))
                                     .where(Vote.thread_id.in_(thread_ids)).group_by(Vote.thread_id)).all())
    changed = 0
    for thread in db.session.scalars(select(Thread).where(Thread.id.in_(thread_ids))):
        if thread.vote_count != counts.get(thread.id, 0):
            thread.vote_count = counts.get(thread.id, 0)
            changed += 1
    commit()
    return changed
