"""Signed-in devices: each sign-in starts its own session row, so one device (or every one) can be signed out.

The session cookie and the remember-me cookie hold "<user id>:<device token>" (Flask-Login's user id). A
request is signed in when a row holds the token's digest and was started under the account's current
security stamp (users.session_token). The rule lives here in both its forms: session_holds, the SQL condition
(the members' stored pages put it into their compiled reads, forum/page_reads.py), and member_for_session, the
check for everything else (Flask-Login's user_loader), one query through a unique index.
"""
import hashlib
import secrets

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import lazyload

from ..database import commit, utcnow
from ..extensions import db
from .models import MemberSession, User

TOKEN_MAX = 100  # ours are 43 characters; anything far longer is not a token we gave out


def token_digest(user_id, token):
    """What the row keeps of a device token; the user id is part of it, so equal tokens never collide."""
    return hashlib.sha256(f"{user_id}:{token}".encode("utf-8")).hexdigest()


def parse_session_id(session_id):
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or len(user_id) > 18 or not token or len(token) > TOKEN_MAX:
        return None, None
    return int(user_id), token


def session_holds(token_hash):
    """SQL: the member in the query (users) has a live session with this token digest, started under their
    current stamp. One probe of the digest's unique index."""
    return exists().where(MemberSession.token_hash == token_hash, MemberSession.user_id == User.id,
                          MemberSession.stamp == User.session_token)


def member_for_session(session_id):
    """The member a session id signs in, or None: the per-request check (Flask-Login's user_loader).

    One query: the member by primary key, with session_holds for the device row."""
    user_id, token = parse_session_id(session_id)
    if user_id is None:
        return None
    user = db.session.scalar(
        select(User)
        .options(lazyload(User.interests))  # read when a page shows them, not on every request
        .where(User.id == user_id, session_holds(token_digest(user_id, token)))
    )
    if user is not None:
        user.device_token = token
    return user


def sign_in(user, remember=False):
    """Start a session for this browser: a new device row and token, then Flask-Login's cookies."""
    now = utcnow()
    token = secrets.token_urlsafe(32)
    # Rows started under an older stamp can never sign in again: drop them while we are here.
    db.session.execute(delete(MemberSession).where(MemberSession.user_id == user.id,
                                                   MemberSession.stamp != user.session_token))
    db.session.add(MemberSession(user_id=user.id, token_hash=token_digest(user.id, token), stamp=user.session_token,
                                 created_at=now, last_used_at=now,
                                 user_agent=(request.headers.get("User-Agent") or "")[:200]))
    _forget_oldest(user)
    commit()
    user.device_token = token
    login_user(user, remember=remember)
    return user


def _forget_oldest(user):
    """Keep at most DEVICE_SESSIONS_MAX devices per member: signing in again and again (or a script doing it
    with the password) must not grow the table without end. The longest unused go first."""
    keep = current_app.config["DEVICE_SESSIONS_MAX"]
    db.session.flush()
    stale = select(MemberSession.id).where(MemberSession.user_id == user.id) \
        .order_by(MemberSession.last_used_at.desc(), MemberSession.id.desc()).offset(keep)
    ids = db.session.scalars(stale).all()
    if ids:
        db.session.execute(delete(MemberSession).where(MemberSession.id.in_(ids)))


def this_device_id():
    """The row id of the session this request signed in with, or None."""
    user_id, token = parse_session_id(session.get("_user_id"))
    if user_id is None:
        return None
    return db.session.scalar(select(MemberSession.id).where(MemberSession.token_hash == token_digest(user_id, token)))


def sign_out():
    """End this browser's session: its row goes, so a copy of its cookies signs in nowhere afterwards."""
    user_id, token = parse_session_id(session.get("_user_id"))
    if user_id is not None:
        db.session.execute(delete(MemberSession).where(MemberSession.token_hash == token_digest(user_id, token)))
        commit()
    logout_user()


def end_device(user, device_id):
    """Sign one of the member's devices out; False when it is not theirs (or gone already)."""
    ended = db.session.execute(delete(MemberSession).where(MemberSession.id == device_id,
                                                           MemberSession.user_id == user.id)).rowcount
    commit()
    return bool(ended)


def end_everywhere(user):
    """Sign the member out on every device: a new stamp (which also spends any reset link), no rows left.

    The caller commits, so a password change and its sign-out happen together."""
    user.session_token = secrets.token_hex(16)
    db.session.execute(delete(MemberSession).where(MemberSession.user_id == user.id))


def note_device_used(user, when):
    """Record when this device was last used (called with last_seen_at, so at most once an interval)."""
    if user.device_token:
        db.session.execute(update(MemberSession)
                           .where(MemberSession.token_hash == token_digest(user.id, user.device_token))
                           .values(last_used_at=when))


def devices(user):
    """The member's signed-in devices, most recently used first."""
    return db.session.scalars(
        select(MemberSession).where(MemberSession.user_id == user.id, MemberSession.stamp == user.session_token)
        .order_by(MemberSession.last_used_at.desc(), MemberSession.id.desc())
    ).all()


# Enough to tell one's own devices apart ("Firefox on Android"), not a full user-agent parser. Order matters:
# Edge and Opera also say Chrome, Chrome also says Safari, Android also says Linux, iPhones also say Mac OS X.
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"), ("Linux", "Linux"))


def device_label(user_agent):
    """'Firefox on Android', 'Chrome', or 'An unknown browser' from a User-Agent header."""
    user_agent = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else "An unknown browser")
