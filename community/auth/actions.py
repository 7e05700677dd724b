"""Joining, signing in and account changes."""
import secrets

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from .. import signals
from ..database import commit, utcnow
from ..errors import Invalid
from ..extensions import db
from .models import ROLES, User

USERNAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
RESERVED_USERNAMES = {"admin", "administrator", "staff", "system", "moderator", "support", "me", "new", "all"}
MIN_PASSWORD = 10
COMMON_PASSWORDS = {
    "password123", "1234567890", "qwertyuiop", "password1!", "iloveyou12", "letmein123", "welcome123",
    "passw0rd12", "0123456789", "abcdefghij", "qwerty1234", "1q2w3e4r5t", "administrator",
}


def normalise_email(email):
    """Validate an address and return it normalised (domain lower-cased, local part as typed)."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid(f"That email address doesn't look right: {error}", field="email") from None


def check_username(username):
    username = (username or "").strip()
    if not 3 <= len(username) <= 30:
        raise Invalid("Usernames are 3 to 30 characters long.", field="username")
    if any(c not in USERNAME_CHARS for c in username):
        raise Invalid("Usernames use letters, digits and underscores only.", field="username")
    if username.lower() in RESERVED_USERNAMES:
        raise Invalid("That username is reserved.", field="username")
    taken = db.session.scalar(select(User.id).where(User.username_lower == username.lower()))
    if taken:
        raise Invalid("That username is taken.", field="username")
    return username


def check_password_strength(password, username="", email=""):
    """At least 10 characters, not a common password, not the username or email."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"Use at least {MIN_PASSWORD} characters for your password.", field="password")
    if len(password) > 200:
        raise Invalid("Passwords are limited to 200 characters.", field="password")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        raise Invalid("That password is too easy to guess.", field="password")
    if username and username.lower() in lowered or email and email.split("@")[0].lower() in lowered:
        raise Invalid("Your password shouldn't contain your username or email.", field="password")
    return password


def register_member(username, email, password, role="member", display_name="", skip_strength_check=False):
    """Create an account; the email must be unused and the password strong enough."""
    username = check_username(username)
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise Invalid("An account with that email exists already. Try signing in.", field="email")
    if not skip_strength_check:
        check_password_strength(password, username, email)
    if role not in ROLES:
        raise Invalid(f"Unknown role {role!r}.")
    user = User(username=username, username_lower=username.lower(), email=email, role=role,
                display_name=(display_name or "").strip()[:60], session_token=secrets.token_hex(8),
                created_at=utcnow())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    signals.send_after_commit(signals.member_joined, user=user)
    commit()
    return user


def authenticate(login, password):
    """The member with this username or email and password, or None."""
    login = (login or "").strip().lower()
    if not login or not password:
        return None
    user = db.session.scalar(select(User).where((User.username_lower == login) | (User.email == login)))
    if user is None or not user.check_password(password):
        return None
    return user


def touch_last_seen(user):
    user.last_seen_at = utcnow()
    commit()


def find_member(username):
    return db.session.scalar(select(User).where(User.username_lower == (username or "").lower()))
