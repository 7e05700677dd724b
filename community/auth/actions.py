"""Joining, signing in and account changes: profiles, passwords, roles, last seen."""
import logging
import re
import secrets
from datetime import timedelta
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from .. import markup, permissions, realtime, signals
from ..database import after_commit, commit, rollback, utcnow
from ..errors import Invalid, InvalidFields, RateLimited
from ..extensions import db
from ..moderation.audit import record_audit
from ..posting.policy import check_text
from ..ratelimits import describe_wait
from . import backoff, mail, sessions
from .models import ROLES, Invitation, User, UserInterest, hash_password, verify_password

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
RESERVED_USERNAMES = {"admin", "administrator", "staff", "system", "moderator", "support", "me", "new", "all"}
MIN_PASSWORD = 10
MAX_PASSWORD = 200
COMMON_PASSWORDS = {
    "password123", "1234567890", "qwertyuiop", "password1!", "iloveyou12", "letmein123", "welcome123",
    "passw0rd12", "0123456789", "abcdefghij", "qwerty1234", "1q2w3e4r5t", "administrator",
    "password1234", "12345678910", "qwertyuiop1", "iloveyou123", "trustno1234", "correcthorse",
}
DISPLAY_NAME_MAX = 60
LOCATION_MAX = 80
INTEREST_MAX = 40
INTERESTS_MAX = 12
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

log = logging.getLogger(__name__)


def normalise_email(email):
    """Validate an address and return it lower-cased, so one mailbox is one account."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid(f"That email address doesn't look right: {error}", field="email") from None


def check_username(username):
    username = (username or "").strip()
    if not 3 <= len(username) <= 30:
        raise Invalid("Usernames are 3 to 30 characters long.", field="username")
    if not USERNAME_RE.match(username) or not username.isascii():
        raise Invalid("Usernames use letters, digits and underscores only.", field="username")
    if username.lower() in RESERVED_USERNAMES:
        raise Invalid("That username is reserved.", field="username")
    taken = db.session.scalar(select(User.id).where(User.username_lower == username.lower()))
    if taken:
        raise Invalid("That username is taken.", field="username")
    return username


def check_password_strength(password, username="", email="", field="password"):
    """At least 10 characters, not a common password, not built on the username or email."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"Use at least {MIN_PASSWORD} characters for your password.", field=field)
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"Passwords are limited to {MAX_PASSWORD} characters.", field=field)
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        raise Invalid("That password is too easy to guess.", field=field)
    local_part = email.split("@")[0].lower() if email else ""
    if (username and username.lower() in lowered) or (len(local_part) >= 3 and local_part in lowered):
        raise Invalid("Your password shouldn't contain your username or email.", field=field)
    return password


EMAIL_IN_USE = "An account with that email exists already. Sign in, or reset your password if you've forgotten it."


class EmailInUse(InvalidFields):
    """Everything else about a new account was right, but its email belongs to an account already."""


def check_new_member(username, email, password, skip_strength_check=False):
    """Every rule a new account would break, as {field: message}; empty when it may be created.

    Each field is checked whatever the others hold, so the join form lists every mistake in one answer. Whether
    the email is in use is not among them: build_member says so only once everything else is right (see
    docs/ACCOUNTS.md, "Joining without revealing who is a member")."""
    problems = {}
    for field, check in (("username", lambda: check_username(username)), ("email", lambda: normalise_email(email))):
        try:
            check()
        except Invalid as error:
            problems[field] = error.message
    if not skip_strength_check:
        try:
            check_password_strength(password, (username or "").strip(), (email or "").strip())
        except Invalid as error:
            problems["password"] = error.message
    return problems


def build_member(username, email, password, role="member", display_name="", skip_strength_check=False):
    """Validate and add a new account to the session without committing (callers commit)."""
    problems = check_new_member(username, email, password, skip_strength_check)
    if problems:
        raise InvalidFields(problems)
    username, email = username.strip(), normalise_email(email)
    if role not in ROLES:
        raise Invalid(f"Unknown role {role!r}.")
    # Hashed before asking whether the address is in use, so that answer takes as long as a new account does.
    password_hash = hash_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise EmailInUse({"email": EMAIL_IN_USE})
    user = User(username=username, username_lower=username.lower(), email=email, role=role,
                display_name=_clean_line(display_name, DISPLAY_NAME_MAX, "display_name", "Display names"),
                session_token=secrets.token_hex(16), created_at=utcnow(), password_hash=password_hash)
    db.session.add(user)
    db.session.flush()
    # Someone invited who joins through the open form still counts as an accepted invitation.
    for invitation in db.session.scalars(select(Invitation).where(Invitation.email == email,
                                                                  Invitation.accepted_at.is_(None))):
        invitation.accepted_at = user.created_at
        invitation.accepted_user_id = user.id
    signals.send_after_commit(signals.member_joined, user=user)
    return user


def register_member(username, email, password, role="member", display_name="", skip_strength_check=False):
    """Create an account; the email must be unused and the password strong enough."""
    user = build_member(username, email, password, role, display_name, skip_strength_check)
    commit()
    return user


def authenticate(login, password):
    """The member with this username or email and password, or None; RateLimited while signing in with that
    name is paused after many wrong passwords (auth/backoff.py), even with the right one."""
    login = (login or "").strip().lower()
    if not login or not password or len(login) > 254 or len(password) > MAX_PASSWORD:
        return None
    name = backoff.name_digest(login)
    wait = backoff.seconds_paused(name)
    if wait:
        raise RateLimited(backoff.PAUSED_MESSAGE.format(wait=describe_wait(wait)), retry_after=wait)
    user = db.session.scalar(select(User).where((User.username_lower == login) | (User.email == login)))
    # An unknown name costs the same hash as a real one, so the answer's timing does not tell who is a member.
    matches = user.check_password(password) if user is not None else verify_password(_dummy_hash(), password)
    if user is not None and matches:
        backoff.forget_failures(user)
        return user
    backoff.record_failure(name, user, typed="email" if user is not None and user.email == login else "username")
    return None


@lru_cache(maxsize=4)
def _hash_of_nothing(method):
    return hash_password(secrets.token_hex(16), method)


def _dummy_hash():
    """A hash made like members' (same method and cost) of a password nobody knows."""
    return _hash_of_nothing(current_app.config["PASSWORD_HASH_METHOD"])


def change_password(user, current_password, new_password):
    """Set a new password and end every session and remember-me cookie of this member (the caller signs this
    browser in again)."""
    if not user.check_password(current_password or ""):
        raise Invalid("Your current password is not right.", field="current_password")
    check_password_strength(new_password, user.username, user.email, field="new_password")
    if user.check_password(new_password):
        raise Invalid("Choose a password different from the current one.", field="new_password")
    user.set_password(new_password, current_app.config["PASSWORD_HASH_METHOD"])
    sessions.end_everywhere(user)
    commit()
    mail.send_password_changed(user)
    return user


def parse_interests(text):
    """'Coffee, home brewing ,coffee' -> ['coffee', 'home brewing']: lower-cased, unique, in order."""
    names = []
    for raw in re.split(r"[,\n]", text or ""):
        name = " ".join(CONTROL_RE.sub(" ", raw).split()).lower().lstrip("#")
        if not name:
            continue
        if len(name) > INTEREST_MAX:
            raise Invalid(f"Keep each interest under {INTEREST_MAX} characters ({name[:20]}… is longer).",
                          field="interests")
        if name not in names:
            names.append(name)
    if len(names) > INTERESTS_MAX:
        raise Invalid(f"List at most {INTERESTS_MAX} interests.", field="interests")
    return names


def update_profile(actor, user, display_name="", bio="", location="", interests=""):
    """Change what a member shows about themselves; the bio is Markdown rendered once, here."""
    permissions.require(permissions.can_edit_profile(actor, user), "You can only edit your own profile.")
    display_name = _clean_line(display_name, DISPLAY_NAME_MAX, "display_name", "Display names")
    location = _clean_line(location, LOCATION_MAX, "location", "Locations")
    bio = (bio or "").replace("\r\n", "\n").strip()
    bio_max = current_app.config["BIO_MAX"]
    if len(bio) > bio_max:
        raise Invalid(f"Keep your bio under {bio_max} characters (it has {len(bio)}).", field="bio")
    names = parse_interests(interests if isinstance(interests, str) else ",".join(interests))
    # A staff profile speaks for the brand on every post they write: kept free of selling like their posts.
    check_text(user, {"display_name": display_name, "location": location, "bio": bio},
               previous={"display_name": user.display_name, "location": user.location, "bio": user.bio_source})
    user.display_name = display_name
    user.location = location
    user.bio_source = bio
    user.bio_html = markup.render_post(
        bio, mention_url=lambda name: url_for("auth.profile", username=name), resolve_mention=_member_username,
    ).html
    kept = {i.name: i for i in user.interests}
    user.interests = [kept.get(name) or UserInterest(name=name) for name in names]
    commit()
    return user


def change_role(actor, user, role, reason=""):
    """An admin gives a member a role; recorded in the audit log."""
    permissions.require(permissions.can_change_role(actor), "Only admins change roles.")
    if role not in ROLES:
        raise Invalid(f"Unknown role {role!r}.", field="role")
    if user.role == role:
        raise Invalid(f"{user.username} is already {user.role_label.lower()}.", field="role")
    if permissions.is_admin(user) and _admin_count() <= 1:
        raise Invalid("The community needs at least one admin; promote another first.", field="role")
    before, watched_floor = user.role, permissions.can_view_floor(user)
    user.role = role
    record_audit(actor, "change_role", "user", user.id, reason=(reason or "").strip()[:1000],
                 subject_user=user, before={"role": before}, after={"role": role})
    if watched_floor and not permissions.can_view_floor(user):
        after_commit(_reset_floor)  # their open floor must stop hearing staff-only updates
    commit()
    return user


def _reset_floor():
    staff = select(User.id).where(~permissions.customers_only(User.role), User.suspended_at.is_(None))
    realtime.floor_reset(db.session.scalars(staff).all())


def set_role(user, role):
    """Give a member a role from the command line (no acting member, so no audit entry)."""
    if role not in ROLES:
        raise Invalid(f"Unknown role {role!r}.")
    watched_floor = permissions.can_view_floor(user)
    user.role = role
    if watched_floor and not permissions.can_view_floor(user):
        after_commit(_reset_floor)
    commit()
    return user


def touch_last_seen(user, interval=None):
    """Record that the member is around, writing at most once per interval (seconds)."""
    now = utcnow()
    interval = current_app.config.get("LAST_SEEN_INTERVAL", 300) if interval is None else interval
    if user.last_seen_at is not None and now - user.last_seen_at < timedelta(seconds=interval):
        return False
    user.last_seen_at = now
    try:
        sessions.note_device_used(user, now)
        commit()
    except SQLAlchemyError:
        # A busy database (e.g. SQLite locked under load) must not fail the page for a presence hint.
        rollback()
        log.warning("Could not record last_seen_at for member %s", user.id, exc_info=True)
        return False
    return True


def find_member(username):
    username = (username or "").strip().lower()
    if not username or len(username) > 30:
        return None
    return db.session.scalar(select(User).where(User.username_lower == username))


def _member_username(name):
    user = find_member(name)
    return user.username if user else None


def _admin_count():
    return db.session.scalar(select(func.count(User.id)).where(permissions.admins_only(User.role),
                                                               User.suspended_at.is_(None)))


def _clean_line(value, limit, field, label):
    value = " ".join(CONTROL_RE.sub(" ", value or "").split())
    if len(value) > limit:
        raise Invalid(f"{label} are limited to {limit} characters.", field=field)
    return value
