"""Search outbox rows (what changed, written in the writer's transaction) and saved searches."""
from ..database import utcnow
from ..extensions import db

OUTBOX_KINDS = ("post", "thread", "category")


class OutboxEntry(db.Model):
    """One searchable change: the indexer re-reads the object named here and updates the index."""

    __tablename__ = "search_outbox"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(10), nullable=False)  # post, thread (all its posts), category (all its threads)
    object_id = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class SavedSearch(db.Model):
    """A query someone keeps; they are notified when a new post matches it."""

    __tablename__ = "saved_searches"
    __table_args__ = (db.UniqueConstraint("user_id", "query", name="uq_saved_searches_user_query"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(80), nullable=False)
    query = db.Column(db.String(500), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_notified_at = db.Column(db.DateTime)
    notified_count = db.Column(db.Integer, nullable=False, default=0)

    user = db.relationship("User")
