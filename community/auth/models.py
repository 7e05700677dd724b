"""Members, their signed-in devices, their interests and invitations."""
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import utcnow
from ..extensions import db

ROLES = ("member", "facilitator", "product_manager", "admin")
ROLE_LABELS = {
    "member": "Member",
    "facilitator": "Facilitator",
    "product_manager": "Product manager",
    "admin": "Admin",
}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(30), nullable=False)
    # Usernames are unique regardless of case; the lower-cased copy carries the constraint.
    username_lower = db.Column(db.String(30), nullable=False, unique=True, index=True)
    email = db.Column(db.String(254), nullable=False, unique=True, index=True)
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(20), nullable=False, default="member", index=True)
    display_name = db.Column(db.String(60), nullable=False, default="")
    bio_source = db.Column(db.Text, nullable=False, default="")
    bio_html = db.Column(db.Text, nullable=False, default="")
    location = db.Column(db.String(80), nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    last_seen_at = db.Column(db.DateTime)
    post_count = db.Column(db.Integer, nullable=False, default=0)
    thread_count = db.Column(db.Integer, nullable=False, default=0)
    # Gentle moderation: silenced members read but cannot post; suspension is the admins' last resort.
    silenced_until = db.Column(db.DateTime)
    silenced_reason = db.Column(db.String(500))
    suspended_at = db.Column(db.DateTime)
    suspended_reason = db.Column(db.String(500))
    # The account's security stamp: each signed-in device (MemberSession) holds the value it was started under,
    # so drawing a new one (password change or reset, "sign out everywhere", suspension) ends every device.
    # Reset links carry a digest of it and die with it too.
    session_token = db.Column(db.String(64), nullable=False, default="")

    interests = db.relationship(
        "UserInterest", back_populates="user", cascade="all, delete-orphan", order_by="UserInterest.name",
        lazy="selectin",
    )

    # The token of the device this request signed in with (set by auth/sessions.py; never stored as is).
    device_token = None

    def set_password(self, password, method="scrypt"):
        self.password_hash = hash_password(password, method)

    def check_password(self, password):
        return verify_password(self.password_hash, password)

    def get_id(self):
        """What Flask-Login keeps in the session and the remember-me cookie: this device's session."""
        return f"{self.id}:{self.device_token or ''}"

    @property
    def is_active(self):
        return self.suspended_at is None

    @property
    def name(self):
        return self.display_name or self.username

    @property
    def role_label(self):
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def interest_names(self):
        return [i.name for i in self.interests]

    def is_silenced(self, now=None):
        return self.silenced_until is not None and self.silenced_until > (now or utcnow())

    def __repr__(self):
        return f"<User {self.username}>"


def hash_password(password, method="scrypt"):
    return generate_password_hash(password, method=method)


def verify_password(password_hash, password):
    return check_password_hash(password_hash, password)


class MemberSession(db.Model):
    """One signed-in device. Its cookie carries a random token; the row keeps only a digest of it, so a copy
    of the database signs nobody in. Signing out deletes the row, so a copied cookie dies with it."""

    __tablename__ = "member_sessions"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    # users.session_token when this device signed in; a new stamp on the account ends the device.
    stamp = db.Column(db.String(64), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    user_agent = db.Column(db.String(200), nullable=False, default="")

    user = db.relationship("User")


class SignInFailure(db.Model):
    """Wrong passwords in a row for one sign-in name as typed (a username or an email, lower-cased, kept as a
    digest), whether or not an account answers to it: unknown names back off exactly like real ones."""

    __tablename__ = "sign_in_failures"

    name_hash = db.Column(db.String(64), primary_key=True)
    failures = db.Column(db.Integer, nullable=False, default=0)
    last_failed_at = db.Column(db.DateTime, nullable=False, index=True)
    paused_until = db.Column(db.DateTime)


class UserInterest(db.Model):
    __tablename__ = "user_interests"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    name = db.Column(db.String(40), primary_key=True, index=True)

    user = db.relationship("User", back_populates="interests")


class Invitation(db.Model):
    __tablename__ = "invitations"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, index=True)
    # Only a hash of the token is stored, so a database leak does not leak usable links.
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    invited_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    accepted_at = db.Column(db.DateTime, index=True)
    accepted_user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    sent_at = db.Column(db.DateTime)  # when the invitation email was handed to the mail server
    mail_error = db.Column(db.String(500))

    invited_by = db.relationship("User", foreign_keys=[invited_by_id])
    accepted_user = db.relationship("User", foreign_keys=[accepted_user_id])

    @property
    def is_pending(self):
        return self.accepted_at is None

    def __repr__(self):
        return f"<Invitation {self.email}>"
