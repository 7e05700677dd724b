"""Outgoing email through Flask-Mailman, sent only by background jobs (retried with back-off, never in a request)."""
import logging
import smtplib

from flask import after_this_request, current_app, has_request_context, url_for
from flask_mailman import EmailMessage

from ..extensions import db, mail
from ..urls import path_for
from ..jobs import JobKind, PermanentFailure, enqueue
from .models import User

log = logging.getLogger(__name__)


def is_configured():
    return bool(current_app.config.get("MAIL_SERVER"))


def has_trusted_address():
    """Whether absolute links can be built without believing the request's Host header: SITE_URL is set, or
    Flask checks the host (SERVER_NAME, TRUSTED_HOSTS)."""
    config = current_app.config
    return bool(config.get("SITE_URL") or config.get("SERVER_NAME") or config.get("TRUSTED_HOSTS"))


def external_url(endpoint, **values):
    """An absolute link for an email: on SITE_URL when configured (in a request or not), so a forged Host
    header cannot point a password-reset link at someone else's server."""
    site = current_app.config.get("SITE_URL")
    if site:
        return site.rstrip("/") + path_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


# A link is built in the request (which alone knows a trusted host when only TRUSTED_HOSTS is set) with this in
# place of its token; the job mints the token when it sends, so no usable token waits in the jobs table.
TOKEN_SLOT = "TOKEN-SLOT"


def link_with_token(link_template, token):
    """The link of link_template (built around TOKEN_SLOT, its last path segment) for this token."""
    head, slot, tail = link_template.rpartition(TOKEN_SLOT)
    if not slot:
        raise ValueError("the link template has no token slot")
    return head + token + tail


def _message(to, subject, body):
    return EmailMessage(subject=subject, body=body, from_email=current_app.config["MAIL_SENDER"], to=[to])


def invitation_message(to, link, inviter_name, site_name):
    return _message(to, f"{inviter_name} invites you to the {site_name} community", (
        f"Hello,\n\n{inviter_name} from {site_name} invites you to join our customer community, "
        f"where customers and the team talk openly about the products.\n\n"
        f"Join with this link (it works once):\n{link}\n\n"
        f"If you weren't expecting this, you can ignore this email.\n"
    ))


def password_reset_message(to, username, link, lifetime, site_name):
    """lifetime: how long the link works, in words ("1 hour")."""
    return _message(to, f"Reset your {site_name} password", (
        f"Hello {username},\n\nSomeone (hopefully you) asked to reset the password of your {site_name} "
        f"community account.\n\nChoose a new password with this link. It works once and for {lifetime}:"
        f"\n{link}\n\n"
        f"If you didn't ask for this, ignore this email: your password stays as it is.\n"
    ))


def password_changed_message(to, username, site_name, reset_url):
    return _message(to, f"Your {site_name} password was changed", (
        f"Hello {username},\n\nThe password of your {site_name} community account was just changed, and "
        f"every device signed in to it was signed out.\n\n"
        f"If that was you, there is nothing to do. If it wasn't, reset your password now and tell the "
        f"community's team:\n{reset_url}\n"
    ))


def failed_sign_ins_message(to, username, failures, what, site_name, reset_url):
    return _message(to, f"Wrong passwords were tried on your {site_name} account", (
        f"Hello {username},\n\nSomeone just tried {failures} wrong passwords to sign in to your {site_name} "
        f"community account with your {what}, so signing in with it is paused for a while. Your password "
        f"held, and you stay signed in where you are.\n\n"
        f"If it was you, wait a few minutes or choose a new password here:\n{reset_url}\n\n"
        f"If it wasn't, nothing is needed; a long password keeps it that way.\n"
    ))


def queue_after_answering(kind, payload, about):
    """Queue a mail job once the answer has gone out. Mails that only real accounts get (a reset link, a
    failed sign-in notice) would otherwise make their answers measurably slower than those for unknown names."""
    from ..database import commit

    app = current_app._get_current_object()

    def queue():
        with app.app_context():
            try:
                enqueue(kind, payload, about=about)
                commit()
            except Exception:  # a failure here has no request left to report it to
                log.exception("Could not queue %s (%s)", kind, about)

    if not has_request_context():
        queue()
        return

    @after_this_request
    def queue_when_closed(response):
        response.call_on_close(queue)
        return response


def send(message):
    """Hand one message to the mail server (the job worker calls this). A refusal that trying again cannot
    change (5xx: no such mailbox, rejected content) raises PermanentFailure; anything else (unreachable,
    4xx, timeouts) raises as it is, so the job is retried with back-off."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise RuntimeError("MAIL_SERVER is not set, so there is no mail server to send this to")
    # Built from the live configuration on each send (not Flask-Mailman's copy made at start-up).
    connection = mail.get_connection(
        backend="smtp", host=config["MAIL_SERVER"], port=config.get("MAIL_PORT", 25),
        username=config.get("MAIL_USERNAME") or "", password=config.get("MAIL_PASSWORD") or "",
        use_tls=bool(config.get("MAIL_USE_TLS")), use_ssl=bool(config.get("MAIL_USE_SSL")),
        timeout=config.get("MAIL_TIMEOUT", 10))
    try:
        connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise PermanentFailure(f"recipient refused: {error.recipients}") from error
        raise
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
        if error.smtp_code >= 500:
            raise PermanentFailure(f"{type(error).__name__}: {error.smtp_code} {error.smtp_error!r}") from error
        raise


# --- the password-changed notice -----------------------------------------------------------------------------


def queue_password_changed(user):
    """Queue the notice that the account's password changed, in the caller's transaction, so a change nobody
    asked for is noticed. Nothing without a mail server."""
    if not is_configured():
        return None
    return enqueue(PASSWORD_CHANGED_MAIL.name, {"user_id": user.id, "to": user.email,
                                                "reset_url": external_url("auth.forgot_password")},
                   about=f"user:{user.id}")


def _send_password_changed(payload):
    user = db.session.get(User, payload["user_id"])
    if user is None:
        return  # the account is gone: nobody to tell
    send(password_changed_message(user.email, user.username, current_app.config["SITE_NAME"],
                                  payload["reset_url"]))


PASSWORD_CHANGED_MAIL = JobKind("mail.password_changed", run=_send_password_changed,
                                describe=lambda payload: f"Password-changed notice to {payload.get('to', '?')}")


# --- the failed sign-in notice -------------------------------------------------------------------------------


def queue_failed_sign_ins(user, failures, what):
    """Tell the account's address that wrong passwords were tried on it (after the answer: see
    queue_after_answering). Nothing without a mail server, or without an address to build links on."""
    if not is_configured() or not has_trusted_address():
        return
    queue_after_answering(FAILED_SIGN_INS_MAIL.name, {"user_id": user.id, "to": user.email, "failures": failures,
                                                      "what": what,
                                                      "reset_url": external_url("auth.forgot_password")},
                          about=f"user:{user.id}")


def _send_failed_sign_ins(payload):
    user = db.session.get(User, payload["user_id"])
    if user is None:
        return
    send(failed_sign_ins_message(user.email, user.username, payload["failures"], payload["what"],
                                 current_app.config["SITE_NAME"], payload["reset_url"]))


FAILED_SIGN_INS_MAIL = JobKind("mail.failed_sign_ins", run=_send_failed_sign_ins,
                               describe=lambda payload: f"Failed sign-in notice to {payload.get('to', '?')}",
                               max_attempts=4)
