"""Recording staff actions in the audit log, inside the caller's transaction."""
from ..extensions import db
from .models import AuditEntry


def record_audit(actor, action, target_type, target_id, *, reason="", subject_user=None, before=None, after=None):
    """Add an audit entry to the current transaction; the caller commits."""
    entry = AuditEntry(
        actor_id=actor.id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        subject_user_id=subject_user.id if subject_user is not None else None,
        reason=reason or "",
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
