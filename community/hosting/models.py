"""What facilitators record while hosting: private notes, introductions, welcomes, handled floor items."""
from ..database import utcnow
from ..extensions import db

NOTE_MAX = 2000
MESSAGE_MAX = 200  # short enough to reach a member whole even as a notification (300 characters)
CHANNELS = ("direct_message", "notification")


class MemberNote(db.Model):
    """A private note staff keep about a member; members never see these."""

    __tablename__ = "member_notes"
    __table_args__ = (db.Index("ix_member_notes_member_created", "member_id", "created_at"),)

    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    body = db.Column(db.String(NOTE_MAX), nullable=False)  # plain text, escaped when shown
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    member = db.relationship("User", foreign_keys=[member_id])
    author = db.relationship("User", foreign_keys=[author_id])


class Introduction(db.Model):
    """A facilitator introduced two members to each other with a short message."""

    __tablename__ = "introductions"
    __table_args__ = (db.Index("ix_introductions_pair", "first_id", "second_id"),)

    id = db.Column(db.Integer, primary_key=True)
    # Stored with first_id < second_id so a pair is recorded the same way whoever comes first.
    first_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    second_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    introduced_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    message = db.Column(db.String(MESSAGE_MAX), nullable=False)
    channel = db.Column(db.String(20), nullable=False)
    conversation_id = db.Column(db.Integer)  # the direct conversation it opened, when chat carried it
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    first = db.relationship("User", foreign_keys=[first_id])
    second = db.relationship("User", foreign_keys=[second_id])
    introduced_by = db.relationship("User", foreign_keys=[introduced_by_id])


class Welcome(db.Model):
    """A facilitator's personal welcome to a new member; one per member."""

    __tablename__ = "welcomes"

    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True)
    welcomed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    message = db.Column(db.String(MESSAGE_MAX), nullable=False)
    channel = db.Column(db.String(20), nullable=False)
    conversation_id = db.Column(db.Integer)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    member = db.relationship("User", foreign_keys=[member_id])
    welcomed_by = db.relationship("User", foreign_keys=[welcomed_by_id])


class FloorMark(db.Model):
    """Staff marked a floor item handled (a thread's sour mood) up to a given post.

    Newer posts after last_post_id bring the item back if the mood is still low.
    """

    __tablename__ = "floor_marks"
    __table_args__ = (db.UniqueConstraint("kind", "thread_id", name="uq_floor_marks_kind_thread"),)

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(20), nullable=False)  # "mood"
    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False)
    last_post_id = db.Column(db.Integer, nullable=False)
    handled_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    handled_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    handled_by = db.relationship("User")
