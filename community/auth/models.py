"""Members, their interests and invitations."""
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
    # Bumped on password change so old remember-me cookies and sessions stop working.
    session_token = db.Column(db.String(64), nullable=False, default="")

    interests = db.relationship(
        "UserInterest", back_populates="user", cascade="all, delete-orphan", order_by="UserInterest.name",
        lazy="selectin",
    )

    def set_password(self, password, method="scrypt"):
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def get_id(self):
        return f"{self.id}:{self.session_token}"

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
