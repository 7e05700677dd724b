"""Sign-in back-off per name: after a few wrong passwords for a username or email, from any address, signing
in with it pauses, twice as long after each further failure (up to a cap), until the right password is given.

Counts live in the database (sign_in_failures), so every server process sees the same ones. They are kept per
name as typed, for unknown names too: a pause then tells nobody whether an account answers to the name, nor
links an email address to a username. The owner is never locked out for good: a pause ends by itself, and a
password reset (proof of the mailbox) clears it.
"""
import hashlib
import math
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import case, delete, select, update
from sqlalchemy.exc import IntegrityError

from ..database import commit, utcnow
from ..extensions import db
from ..notifications.actions import notify
from . import mail
from .models import SignInFailure

PAUSED_MESSAGE = ("Too many wrong passwords were tried for that username or email, so signing in with it is "
                  "paused. Try again in {wait}, or reset your password.")


def name_digest(login):
    """The key of a sign-in name: the lower-cased name as typed, hashed (the table holds no addresses)."""
    return hashlib.sha256((login or "").strip().lower().encode("utf-8")).hexdigest()


def pause_seconds(failures):
    """How long sign-in pauses after this many wrong passwords in a row: nothing for the first few, then
    SIGN_IN_PAUSE_FIRST_SECONDS, doubling with each further failure, at most SIGN_IN_PAUSE_MAX_SECONDS."""
    config = current_app.config
    over = failures - config["SIGN_IN_FAILURES_BEFORE_PAUSE"]
    if over < 0:
        return 0
    return min(config["SIGN_IN_PAUSE_FIRST_SECONDS"] * 2 ** min(over, 30), config["SIGN_IN_PAUSE_MAX_SECONDS"])


def seconds_paused(digest):
    """Seconds until signing in with this name is allowed again; 0 when it is not paused."""
    paused_until = db.session.scalar(select(SignInFailure.paused_until).where(SignInFailure.name_hash == digest))
    now = utcnow()
    if paused_until is None or paused_until <= now:
        return 0
    return max(1, math.ceil((paused_until - now).total_seconds()))


def record_failure(digest, user=None, typed="username"):
    """Count one wrong password for a name; pause it past the free tries. The member it names (if any) is
    told when the first pause begins: in the bell, and by mail when mail is configured."""
    now = utcnow()
    forgotten = now - timedelta(seconds=current_app.config["SIGN_IN_FAILURES_FORGOTTEN_AFTER"])
    failures = _count(digest, now, forgotten)
    if failures is None:
        # A name's first failure (or its first in a long while): sweep streaks nobody has added to since.
        db.session.execute(delete(SignInFailure).where(SignInFailure.last_failed_at < forgotten))
        try:
            with db.session.begin_nested():
                db.session.add(SignInFailure(name_hash=digest, failures=1, last_failed_at=now))
            failures = 1
        except IntegrityError:  # a parallel failure for the same name inserted it first
            failures = _count(digest, now, forgotten)
    pause = pause_seconds(failures)
    if pause:
        until = now + timedelta(seconds=pause)
        db.session.execute(update(SignInFailure).where(SignInFailure.name_hash == digest).values(
            paused_until=case((SignInFailure.paused_until > until, SignInFailure.paused_until), else_=until)))
    if user is not None and failures == current_app.config["SIGN_IN_FAILURES_BEFORE_PAUSE"]:
        _tell_member(user, failures, typed)
    commit()
    return pause


def _count(digest, now, forgotten):
    """Add one failure to a name's row and return the new count (None when it has no row). A streak idle for
    SIGN_IN_FAILURES_FORGOTTEN_AFTER starts again at one. Atomic: parallel failures each get their own count."""
    return db.session.execute(
        update(SignInFailure).where(SignInFailure.name_hash == digest)
        .values(failures=case((SignInFailure.last_failed_at < forgotten, 1), else_=SignInFailure.failures + 1),
                last_failed_at=now)
        .returning(SignInFailure.failures)
    ).scalar()


def forget_failures(user):
    """The member proved who they are (the right password, or a reset link): both their names start afresh."""
    names = [name_digest(user.username_lower), name_digest(user.email)]
    if db.session.execute(delete(SignInFailure).where(SignInFailure.name_hash.in_(names))).rowcount:
        commit()


def _tell_member(user, failures, typed):
    what = "email address" if typed == "email" else "username"
    notify(user.id, "account",
           f"Someone tried {failures} wrong passwords to sign in with your {what}, so signing in with it is "
           f"paused for a while. If it wasn't you, your password held; a longer one keeps it that way.",
           url_for("auth.change_password"), commit_now=False)
    if mail.is_configured() and mail.has_trusted_address():
        mail.send_after_answering(mail.failed_sign_ins_message(
            user.email, user.username, failures, what, current_app.config["SITE_NAME"],
            mail.external_url("auth.forgot_password")), user.email, what="Failed sign-in notice")
