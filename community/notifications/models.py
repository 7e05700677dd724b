"""Notifications: what a member is told about, stored until read."""
from ..database import utcnow
from ..extensions import db

KINDS = {
    "mention": "mentioned you",
    "reply": "replied",
    "quote": "quoted you",
    "like": "liked your post",
    "room_invite": "invited you to a room",
    "direct_message": "sent you a message",
    "request_status": "changed the status of a request",
    "saved_search": "a new post matches your saved search",
    "moderation": "a note from the moderators",
    "introduction": "introduced you",
    "welcome": "welcomed you",
    "flag": "flagged a post",
    "account": "about your account",
}


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (db.Index("ix_notifications_user_unread", "user_id", "read_at", "id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(20), nullable=False)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    # Plain text shown in the bell; escaped by Jinja like any text.
    text = db.Column(db.String(300), nullable=False, default="")
    url = db.Column(db.String(300), nullable=False, default="")
    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id"))
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    read_at = db.Column(db.DateTime)

    actor = db.relationship("User", foreign_keys=[actor_id])
