"""What facilitators do while hosting: notes, introductions, welcomes, marking floor items handled."""
import importlib

from ..urls import path_for
from sqlalchemy import func, select

from .. import permissions, realtime
from ..database import after_commit, commit, rollback, utcnow
from ..errors import CommunityError, Invalid
from ..extensions import db
from ..forum.models import Post
from ..moderation.audit import record_audit
from ..notifications.actions import notify
from ..posting.policy import check_text
from .models import MESSAGE_MAX, NOTE_MAX, FloorMark, Introduction, MemberNote, Welcome


def _text(value, limit, what, field="body"):
    text = (value or "").strip()
    if not text:
        raise Invalid(f"Write {what} first.", field=field)
    if len(text) > limit:
        raise Invalid(f"Keep {what} under {limit} characters; this one has {len(text)}.", field=field)
    return text


def _direct_conversation_opener():
    """chat.actions.open_direct_conversation when the chat area provides it, else None."""
    try:
        chat_actions = importlib.import_module("community.chat.actions")
    except ImportError:
        return None
    return getattr(chat_actions, "open_direct_conversation", None)


def _open_conversation(opener, a, b, message, actor):
    """Post message in the direct conversation of a and b; the chat action's commit also carries our
    pending record and audit entry, and a refusal there undoes them."""
    try:
        conversation = opener(a, b, message, actor)
    except CommunityError:
        rollback()
        raise
    return getattr(conversation, "id", None)


def add_member_note(author, member, body):
    """Keep a private staff note on a member."""
    permissions.require(permissions.can_write_member_notes(author), "Only facilitators write member notes.")
    body = _text(body, NOTE_MAX, "the note")
    note = MemberNote(member_id=member.id, author_id=author.id, body=body, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    # No subject_user: the member's own moderation history must not reveal that staff keep notes.
    record_audit(author, "add_member_note", "member_note", note.id, after={"member_id": member.id})
    commit()
    return note


def mark_mood_handled(actor, thread, reason=""):
    """Take a sour thread off the queue until newer posts arrive."""
    permissions.require(permissions.can_mark_handled(actor), "Only facilitators mark floor items handled.")
    newest = db.session.scalar(
        select(func.max(Post.id)).where(Post.thread_id == thread.id, Post.state == "published",
                                        Post.deleted_at.is_(None))) or 0
    mark = db.session.scalar(select(FloorMark).where(FloorMark.kind == "mood", FloorMark.thread_id == thread.id))
    before = {"last_post_id": mark.last_post_id} if mark is not None else None
    if mark is None:
        mark = FloorMark(kind="mood", thread_id=thread.id, last_post_id=newest, handled_by_id=actor.id)
        db.session.add(mark)
    mark.last_post_id, mark.handled_by_id, mark.handled_at = newest, actor.id, utcnow()
    record_audit(actor, "mark_mood_handled", "thread", thread.id, reason=reason, before=before,
                 after={"last_post_id": newest})
    after_commit(lambda: realtime.floor_changed("sour", "handled"))
    commit()
    return mark


def _check_members(actor, *members):
    for member in members:
        if member is None or not member.is_active:
            raise Invalid("That member can't be reached right now.", field="member")


def introduce_members(actor, first, second, message):
    """Introduce two members: a direct conversation between them if chat exists, else a notification each."""
    permissions.require(permissions.can_introduce_members(actor), "Only facilitators introduce members.")
    _check_members(actor, first, second)
    if first.id == second.id:
        raise Invalid("Choose two different members to introduce.", field="second")
    message = _text(message, MESSAGE_MAX, "a short message", field="message")
    check_text(actor, {"message": message})
    first, second = sorted((first, second), key=lambda u: u.id)
    opener = _direct_conversation_opener()
    introduction = Introduction(first_id=first.id, second_id=second.id, introduced_by_id=actor.id,
                                message=message, channel="direct_message" if opener else "notification",
                                created_at=utcnow())
    db.session.add(introduction)
    db.session.flush()
    record_audit(actor, "introduce_members", "introduction", introduction.id,
                 after={"members": [first.id, second.id], "channel": introduction.channel, "message": message})
    if opener is not None:
        introduction.conversation_id = _open_conversation(opener, first, second, message, actor)
    else:
        for member, other in ((first, second), (second, first)):
            notify(member.id, "introduction", f"@{actor.username} introduced you to @{other.username}: {message}",
                   url=path_for("auth.profile", username=other.username), actor=actor, commit_now=False)
    commit()
    return introduction


def welcome_member(actor, member, message):
    """A facilitator's personal welcome, sent as a direct message when chat exists, else a notification."""
    permissions.require(permissions.can_welcome_members(actor), "Only facilitators welcome members.")
    _check_members(actor, member)
    if member.id == actor.id:
        raise Invalid("Welcome someone other than yourself.", field="message")
    message = _text(message, MESSAGE_MAX, "your welcome", field="message")
    check_text(actor, {"message": message})
    if db.session.scalar(select(Welcome.id).where(Welcome.member_id == member.id)):
        raise Invalid(f"{member.name} has been welcomed already.", field="message")
    opener = _direct_conversation_opener()
    welcome = Welcome(member_id=member.id, welcomed_by_id=actor.id, message=message,
                      channel="direct_message" if opener else "notification", created_at=utcnow())
    db.session.add(welcome)
    db.session.flush()
    record_audit(actor, "welcome_member", "welcome", welcome.id,
                 after={"member_id": member.id, "channel": welcome.channel, "message": message})
    if opener is not None:
        welcome.conversation_id = _open_conversation(opener, actor, member, message, actor)
    else:
        notify(member.id, "welcome", f"@{actor.username} welcomed you: {message}",
               url=path_for("auth.profile", username=actor.username), actor=actor, commit_now=False)
    commit()
    return welcome
