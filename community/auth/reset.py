"""Password reset by email: signed links that die once used, once the password changes, or after an hour."""
import hashlib
import logging
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import parse
from sqlalchemy import select

from ..database import commit
from ..errors import Invalid
from ..extensions import db, limiter
from ..i18n import format_duration
from . import backoff, mail, sessions
from .actions import MAX_PASSWORD, check_password_strength
from .models import User

log = logging.getLogger(__name__)

SALT = "password-reset"
TOKEN_MAX = 400  # a real token is about 100 characters; anything far longer is not one of ours


class ResetLinkInvalid(Invalid):
    """The link is expired, used, superseded by a password change, or was never ours."""


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user):
    """Changes whenever the password hash or the session token does, so a used link stops working.

    A digest, not the hash itself: the token's payload is signed, not encrypted."""
    material = f"{user.password_hash}:{user.session_token}".encode("utf-8")
    return hashlib.sha256(material).hexdigest()[:32]


def make_token(user):
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def find_account(login):
    """The active account with this username or email, or None."""
    login = (login or "").strip().lower()
    if not login or len(login) > 254:
        return None
    user = db.session.scalar(select(User).where((User.username_lower == login) | (User.email == login)))
    return user if user is not None and user.is_active else None


def _address_allows_another(user, login):
    """At most PASSWORD_RESETS_PER_ACCOUNT mails per account, counted in the rate limiter's storage.

    Past it the requester still sees the neutral page: a 429 here would tell them the account exists. Asks for
    unknown names are counted too (by a digest of the name), so both cost the same round trip to the storage."""
    if not limiter.enabled:
        return True
    item = parse(current_app.config["PASSWORD_RESETS_PER_ACCOUNT"])
    key = str(user.id) if user is not None else "unknown:" + hashlib.sha256(login.encode("utf-8")).hexdigest()
    return limiter.limiter.hit(item, "password-reset-account", key)


def request_password_reset(login, link_for=None):
    """Mail a reset link to the account named by username or email; silent when there is none.

    Returns nothing the caller could show: whether an account exists stays unknown to the requester."""
    user = find_account(login)
    allowed = _address_allows_another(user, (login or "").strip().lower())
    if user is None or not allowed:
        return
    if link_for is None and mail.is_configured() and not mail.has_trusted_address():
        # The link would start with whatever Host header the asker sent: mailed to the member, a forged one
        # hands the token to the asker's server.
        log.error("Password reset requested for %s, but no mail was sent: set SITE_URL (or TRUSTED_HOSTS) so "
                  "reset links cannot be pointed at another server by a forged Host header", user.username)
        return
    link_for = link_for or (lambda token: mail.external_url("auth.reset_password", token=token))
    link = link_for(make_token(user))
    if not mail.is_configured():
        # Showing the link to whoever asked would hand the account to anyone who knows the address.
        log.warning("Password reset requested for %s, but no MAIL_SERVER is configured; "
                    "send them this link yourself if they asked for it: %s", user.username, link)
        return
    lifetime = format_duration(current_app.config["PASSWORD_RESET_MAX_AGE"])
    message = mail.password_reset_message(user.email, user.username, link, lifetime,
                                          current_app.config["SITE_NAME"])
    mail.send_after_answering(message, user.email, what="Password reset mail")


def account_for_token(token):
    """The member a reset link belongs to; ResetLinkInvalid when it expired, was used or was tampered with."""
    if not token or len(token) > TOKEN_MAX:
        raise ResetLinkInvalid("This reset link is not valid.")
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise ResetLinkInvalid("This reset link has expired. Ask for a new one below.") from None
    except BadSignature:
        raise ResetLinkInvalid("This reset link is not valid.") from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.is_active or not secrets.compare_digest(str(data.get("f", "")), _fingerprint(user)):
        raise ResetLinkInvalid("This reset link has been used already or your password has changed since. "
                               "Ask for a new one below.")
    return user


def reset_password(token, new_password):
    """Set a new password from a reset link; every session and remember cookie of the member ends."""
    user = account_for_token(token)
    if len(new_password or "") > MAX_PASSWORD:
        raise Invalid(f"Passwords are limited to {MAX_PASSWORD} characters.", field="password")
    check_password_strength(new_password, user.username, user.email)
    user.set_password(new_password, current_app.config["PASSWORD_HASH_METHOD"])
    sessions.end_everywhere(user)  # a new stamp also changes the fingerprint: the link is now spent
    commit()
    backoff.forget_failures(user)  # the mailbox's owner is back in: a pause strangers caused ends here
    log.info("Password of %s (id %s) reset by email link", user.username, user.id)
    mail.send_password_changed(user)
    return user

