"""Actions on members: silence for a period (read, not post) and, for admins only, suspend."""
import secrets
from datetime import timedelta

from .. import permissions
from ..database import commit, utcnow
from ..errors import Invalid
from ..i18n import format_duration, format_moment
from ..urls import path_for
from .audit import record_audit
from .common import check_reason, tell

MAX_SILENCE_DAYS = 365


def _snapshot(user):
    return {
        "silenced_until": user.silenced_until.isoformat() if user.silenced_until else None,
        "suspended": user.suspended_at is not None,
    }


def silence_member(actor, user, hours, reason):
    """The member can read but not post or chat until the period ends."""
    permissions.require(permissions.can_silence(actor), "Only facilitators silence members.")
    reason = check_reason(reason, "silencing this member")
    if user.id == actor.id:
        raise Invalid("You can't silence yourself.")
    if permissions.is_staff(user):
        raise Invalid("Staff accounts aren't silenced; an admin can change their role instead.")
    if not 0 < hours <= MAX_SILENCE_DAYS * 24:
        raise Invalid(f"Silence for between an hour and {MAX_SILENCE_DAYS} days.", field="hours")
    before = _snapshot(user)
    user.silenced_until = utcnow() + timedelta(hours=hours)
    user.silenced_reason = reason
    record_audit(actor, "silence_member", "user", user.id, reason=reason, subject_user=user, before=before,
                 after=_snapshot(user))
    tell(user.id, f"You can read but not post for {format_duration(hours * 3600)}, until "
                  f"{format_moment(user.silenced_until)}. Reason: {reason}",
         path_for("moderation.my_history"), actor=actor)
    commit()
    return user


def unsilence_member(actor, user, reason):
    permissions.require(permissions.can_silence(actor), "Only facilitators lift a silence.")
    reason = check_reason(reason, "lifting the silence")
    if not user.is_silenced():
        raise Invalid("This member is not silenced.")
    before = _snapshot(user)
    user.silenced_until, user.silenced_reason = None, None
    record_audit(actor, "unsilence_member", "user", user.id, reason=reason, subject_user=user, before=before,
                 after=_snapshot(user))
    tell(user.id, f"You can post again. {reason}", path_for("moderation.my_history"), actor=actor)
    commit()
    return user


def suspend_member(actor, user, reason):
    """Last resort (admins): the account can't sign in, and its open sessions end at once."""
    permissions.require(permissions.can_suspend(actor), "Only admins suspend accounts.")
    reason = check_reason(reason, "suspending this account")
    if user.id == actor.id:
        raise Invalid("You can't suspend your own account.")
    if permissions.is_admin(user):
        raise Invalid("Admins can't be suspended; change their role first.")
    if user.suspended_at is not None:
        raise Invalid("This account is suspended already.")
    before = _snapshot(user)
    user.suspended_at, user.suspended_reason = utcnow(), reason
    # A new session token invalidates every signed-in session and remember-me cookie of the account.
    user.session_token = secrets.token_hex(8)
    record_audit(actor, "suspend_member", "user", user.id, reason=reason, subject_user=user, before=before,
                 after=_snapshot(user))
    tell(user.id, f"Your account was suspended. Reason: {reason}", "", actor=actor)
    commit()
    return user


def unsuspend_member(actor, user, reason):
    permissions.require(permissions.can_suspend(actor), "Only admins lift a suspension.")
    reason = check_reason(reason, "lifting the suspension")
    if user.suspended_at is None:
        raise Invalid("This account is not suspended.")
    before = _snapshot(user)
    user.suspended_at, user.suspended_reason = None, None
    record_audit(actor, "unsuspend_member", "user", user.id, reason=reason, subject_user=user, before=before,
                 after=_snapshot(user))
    tell(user.id, f"Your account is active again. {reason}", path_for("moderation.my_history"), actor=actor)
    commit()
    return user
