"""Votes on feature requests and the history of their product status."""
from ..database import utcnow
from ..extensions import db

STATUS_LABELS = {
    "open": "Open",
    "under_review": "Under review",
    "planned": "Planned",
    "in_progress": "In progress",
    "shipped": "Shipped",
    "declined": "Declined",
}


class Vote(db.Model):
    """One member's +1 on a feature request: at most one per member per thread."""

    __tablename__ = "request_votes"
    # Trending counts each request's votes of the last days: a short range of this index per request.
    __table_args__ = (db.Index("ix_request_votes_thread_created", "thread_id", "created_at"),)

    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    # Kept when a duplicate is merged, so a merge does not make old votes look new.
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    user = db.relationship("User")


class RequestStatusChange(db.Model):
    """A product manager moved a request from one status to another, with the public note they gave."""

    __tablename__ = "request_status_changes"

    id = db.Column(db.Integer, primary_key=True)
    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False, index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    old_status = db.Column(db.String(20), nullable=False)
    new_status = db.Column(db.String(20), nullable=False)
    note = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    actor = db.relationship("User")
