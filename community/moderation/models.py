"""What staff did and why: the audit log (other moderation records live beside it)."""
from ..database import utcnow
from ..extensions import db


class AuditEntry(db.Model):
    """One staff action: who, what, on what, when, why, and the state before and after."""

    __tablename__ = "audit_entries"
    __table_args__ = (db.Index("ix_audit_target", "target_type", "target_id"),)

    id = db.Column(db.Integer, primary_key=True)
    # No actor means the community itself acted (enough flags from trusted members hid a post).
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)
    action = db.Column(db.String(40), nullable=False, index=True)
    target_type = db.Column(db.String(20), nullable=False)  # post, thread, user, room, message, setting
    target_id = db.Column(db.Integer)
    # The member whose content or account was touched, so they can see their own history.
    subject_user_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)
    reason = db.Column(db.String(1000), nullable=False, default="")
    before = db.Column(db.JSON)
    after = db.Column(db.JSON)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    actor = db.relationship("User", foreign_keys=[actor_id])
    subject_user = db.relationship("User", foreign_keys=[subject_user_id])


FLAG_REASONS = {
    "off_topic": "Off-topic",
    "inappropriate": "Inappropriate",
    "spam": "Spam",
    "other": "Something else",
}


class Flag(db.Model):
    """A member's report that a post needs a look; resolved when staff act on it."""

    __tablename__ = "flags"
    __table_args__ = (db.UniqueConstraint("post_id", "user_id", name="uq_flags_post_user"),)

    id = db.Column(db.Integer, primary_key=True)
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), nullable=False, index=True)
    # No user means community policy raised the flag (a watched word), not a member.
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    reason = db.Column(db.String(20), nullable=False)
    text = db.Column(db.String(500), nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    resolved_at = db.Column(db.DateTime, index=True)
    resolved_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    resolution = db.Column(db.String(20))  # agreed (post hidden) / disagreed (post kept)

    post = db.relationship("Post")
    user = db.relationship("User", foreign_keys=[user_id])
    resolved_by = db.relationship("User", foreign_keys=[resolved_by_id])

    @property
    def reason_label(self):
        return FLAG_REASONS.get(self.reason, self.reason)
