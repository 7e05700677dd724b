"""Flags: members point staff at a post; enough trusted flags hide it until a facilitator decides."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import permissions, signals
from ..database import commit, rollback
from ..errors import Invalid
from ..extensions import db
from ..settings import get_setting
from .actions import COMMUNITY_HIDE_REASON, _change_state, hide_by_community, resolve_open_flags
from .common import check_reason, post_path, tell
from .models import FLAG_REASONS, Flag
from ..posting.automod import is_trusted, watched_matches

FLAG_TEXT_MAX = 500


def flag_post(user, post, reason, text=""):
    """Record one member's flag on a post (one per member per post); may hide it pending review."""
    permissions.require(permissions.can_flag(user, post), "You can't flag this post.")
    if reason not in FLAG_REASONS:
        raise Invalid("Choose why you are flagging this post.", field="reason")
    text = " ".join((text or "").split())
    if reason == "other" and not text:
        raise Invalid("Tell the facilitators what is wrong with this post.", field="text")
    if len(text) > FLAG_TEXT_MAX:
        raise Invalid(f"Keep the note under {FLAG_TEXT_MAX} characters.", field="text")
    existing = db.session.scalar(select(Flag.id).where(Flag.post_id == post.id, Flag.user_id == user.id))
    if existing:
        raise Invalid("You have flagged this post already; a facilitator will look at it.")
    flag = Flag(post_id=post.id, user_id=user.id, reason=reason, text=text)
    db.session.add(flag)
    try:
        db.session.flush()
    except IntegrityError:
        # A double click racing itself: the unique constraint keeps one flag per member per post.
        rollback()
        raise Invalid("You have flagged this post already; a facilitator will look at it.") from None
    if post.state == "published" and _trusted_open_flags(post) >= int(get_setting("flags_to_hide")):
        hide_by_community(post)
    signals.send_after_commit(signals.post_flagged, post=post, flag=flag)
    commit()
    return flag


def _trusted_open_flags(post):
    """Open flags on the post from members who pass the trust threshold (new accounts can't gang up)."""
    flags = db.session.scalars(
        select(Flag).where(Flag.post_id == post.id, Flag.resolved_at.is_(None), Flag.user_id.is_not(None))
    ).all()
    return sum(1 for flag in flags if is_trusted(flag.user))


def resolve_flags(actor, post, agree, reason):
    """Staff decide on a flagged post: agree (hide it, or keep it hidden) or disagree (restore it)."""
    permissions.require(permissions.can_moderate(actor), "Only facilitators resolve flags.")
    reason = check_reason(reason, "this decision")
    open_flags = db.session.scalars(
        select(Flag.id).where(Flag.post_id == post.id, Flag.resolved_at.is_(None))).all()
    if not open_flags:
        raise Invalid("There are no open flags on this post.")
    if agree:
        if post.state != "hidden":
            _change_state(actor, post, "hidden", reason, "hide_post", reason)
        else:
            # Replace the community's provisional wording with the facilitator's reason.
            post.state_reason = reason
        resolve_open_flags(actor, post, "agreed")
        tell(post.author_id, f"Your post in “{post.thread.title}” is hidden: {reason} "
             "You can edit it and ask for another look.", post_path(post), actor=actor,
             thread_id=post.thread_id, post_id=post.id)
    else:
        if post.state == "hidden" and post.state_reason == COMMUNITY_HIDE_REASON:
            _change_state(actor, post, "published", "", "unhide_post", reason)
            tell(post.author_id, f"Your post in “{post.thread.title}” was reviewed and is visible again.",
                 post_path(post), actor=actor, thread_id=post.thread_id, post_id=post.id)
        resolve_open_flags(actor, post, "disagreed")
    from .audit import record_audit
    record_audit(actor, "resolve_flags", "post", post.id, reason=reason, subject_user=post.author,
                 after={"decision": "agreed" if agree else "disagreed", "flags": len(open_flags)})
    commit()
    return post


def flag_watched_words(post):
    """Community policy flags a published member post containing a watched "flag" word (no member named)."""
    if post.by_staff or post.deleted_at is not None:
        return None
    words = watched_matches(post.body_source, "flag")
    if not words:
        return None
    already = db.session.scalar(select(Flag.id).where(Flag.post_id == post.id, Flag.user_id.is_(None),
                                                      Flag.resolved_at.is_(None)))
    if already:
        return None
    flag = Flag(post_id=post.id, user_id=None, reason="other", text=f"Watched words: {', '.join(words)}"[:500])
    db.session.add(flag)
    db.session.flush()
    signals.send_after_commit(signals.post_flagged, post=post, flag=flag)
    commit()
    return flag


def on_post_written(sender, post, **_):
    flag_watched_words(post)


def connect_receivers():
    """Listen for new and edited posts; called once from create_app."""
    from .. import signals

    signals.post_created.connect(on_post_written, weak=False)
    signals.thread_created.connect(on_post_written, weak=False)
    signals.post_edited.connect(on_post_written, weak=False)
