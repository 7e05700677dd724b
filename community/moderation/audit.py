"""Recording staff actions in the audit log, inside the caller's transaction."""
from ..extensions import db
from .models import AuditEntry


def record_audit(actor, action, target_type, target_id, *, reason="", subject_user=None, before=None, after=None):
    """Add an audit entry to the current transaction; the caller commits. actor None: the community acted."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        subject_user_id=subject_user.id if subject_user is not None else None,
        reason=(reason or "")[:1000],
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
