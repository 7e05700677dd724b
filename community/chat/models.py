"""Chat rooms, who belongs to them, their messages and message revisions."""
from ..database import utcnow
from ..extensions import db

ROOM_KINDS = ("public", "direct")
# A room's life: proposed by a member, open, declined by a facilitator, or archived (read-only).
ROOM_STATES = ("proposed", "open", "declined", "archived")


class Room(db.Model):
    __tablename__ = "chat_rooms"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(10), nullable=False, default="public", index=True)
    state = db.Column(db.String(10), nullable=False, default="open", index=True)
    name = db.Column(db.String(60), nullable=False, default="")
    topic = db.Column(db.String(300), nullable=False, default="")
    locked = db.Column(db.Boolean, nullable=False, default=False)  # only facilitators write
    slow_mode_seconds = db.Column(db.Integer, nullable=False, default=0)
    # "<low user id>:<high user id>" for direct conversations, so a pair has exactly one.
    direct_key = db.Column(db.String(30), unique=True)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    decided_at = db.Column(db.DateTime)
    decision_note = db.Column(db.String(500), nullable=False, default="")
    # Counters taken under a row lock in the writing transaction: message numbers and change numbers.
    last_seq = db.Column(db.Integer, nullable=False, default=0)
    last_change = db.Column(db.Integer, nullable=False, default=0)
    last_message_at = db.Column(db.DateTime)

    created_by = db.relationship("User", foreign_keys=[created_by_id])
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])

    @property
    def is_direct(self):
        return self.kind == "direct"

    def __repr__(self):
        return f"<Room {self.id} {self.kind} {self.name!r}>"


class RoomMember(db.Model):
    """A member's place in a room: how far they have read, and any mute a facilitator set."""

    __tablename__ = "chat_room_members"

    room_id = db.Column(db.Integer, db.ForeignKey("chat_rooms.id", ondelete="CASCADE"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_read_seq = db.Column(db.Integer, nullable=False, default=0)
    muted_until = db.Column(db.DateTime)
    mute_reason = db.Column(db.String(500), nullable=False, default="")

    room = db.relationship("Room")
    user = db.relationship("User")

    def is_muted(self, now=None):
        return self.muted_until is not None and self.muted_until > (now or utcnow())


class Message(db.Model):
    __tablename__ = "chat_messages"
    __table_args__ = (
        db.UniqueConstraint("room_id", "seq", name="uq_chat_messages_room_seq"),
        db.Index("ix_chat_messages_room_change", "room_id", "change_no"),
        db.Index("ix_chat_messages_author_created", "author_id", "created_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    room_id = db.Column(db.Integer, db.ForeignKey("chat_rooms.id"), nullable=False)
    seq = db.Column(db.Integer, nullable=False)  # 1, 2, 3… within the room, no gaps
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    body_source = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text, nullable=False)
    by_staff = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    edited_at = db.Column(db.DateTime)
    revision_count = db.Column(db.Integer, nullable=False, default=0)
    # Set from the room's change counter on every edit or delete, so a reconnecting client catches up.
    change_no = db.Column(db.Integer)
    deleted_at = db.Column(db.DateTime)
    deleted_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    delete_reason = db.Column(db.String(500), nullable=False, default="")

    room = db.relationship("Room")
    author = db.relationship("User", foreign_keys=[author_id], lazy="joined")

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    def __repr__(self):
        return f"<Message {self.room_id}#{self.seq}>"


class MessageRevision(db.Model):
    """The text of a message before each edit; the current text lives on the message."""

    __tablename__ = "chat_message_revisions"

    id = db.Column(db.Integer, primary_key=True)
    message_id = db.Column(db.Integer, db.ForeignKey("chat_messages.id"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    body_source = db.Column(db.Text, nullable=False)
    edited_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
