"""Outgoing email over SMTP (smtplib), used when MAIL_SERVER is configured."""
import logging
import smtplib
from email.message import EmailMessage

from flask import after_this_request, current_app, has_request_context, url_for

log = logging.getLogger(__name__)


def is_configured():
    return bool(current_app.config.get("MAIL_SERVER"))


def has_trusted_address():
    """Whether absolute links can be built without believing the request's Host header: SITE_URL is set, or
    Flask checks the host (SERVER_NAME, TRUSTED_HOSTS)."""
    config = current_app.config
    return bool(config.get("SITE_URL") or config.get("SERVER_NAME") or config.get("TRUSTED_HOSTS"))


def external_url(endpoint, **values):
    """An absolute link for an email: on SITE_URL when configured, so a forged Host header cannot
    point a password-reset link at someone else's server."""
    site = current_app.config.get("SITE_URL")
    if site:
        return site.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _message(to, subject, body):
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message.set_content(body)
    return message


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


def send_after_answering(message, address, what="Mail"):
    """Send once the answer has gone out: the SMTP exchange happens only for real accounts, so doing it first
    would make their answers measurably slower than those for unknown names. Failures are logged."""
    app = current_app._get_current_object()

    def send():
        with app.app_context():
            try:
                error = send_all([message])[0]
            except Exception as problem:  # a failure here has no request left to report it to
                error = f"{type(problem).__name__}: {problem}"
            if error:
                log.warning("%s to %s failed: %s", what, address, error)

    if not has_request_context():
        send()
        return

    @after_this_request
    def send_when_closed(response):
        response.call_on_close(send)
        return response


def send_password_changed(user):
    """Tell the account's address that its password changed, so a change nobody asked for is noticed.

    Sent after the change is committed; a failure is logged, never raised."""
    if not is_configured():
        return
    message = password_changed_message(user.email, user.username, current_app.config["SITE_NAME"],
                                       external_url("auth.forgot_password"))
    error = send_all([message])[0]
    if error:
        log.warning("Password-changed notice to %s failed: %s", user.email, error)


def send_all(messages):
    """Send messages over one connection; return one error string (or None) per message."""
    config = current_app.config
    results = []
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 25),
                          timeout=config.get("MAIL_TIMEOUT", 10)) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            for message in messages:
                results.append(_send_one(smtp, message))
    except (OSError, smtplib.SMTPException) as error:
        # Unreachable, refused or disconnected: every message not yet sent failed the same way.
        reason = f"{type(error).__name__}: {error}"
        results.extend([reason] * (len(messages) - len(results)))
    return results


def _send_one(smtp, message):
    try:
        smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        return f"recipient refused: {error.recipients}"
    except smtplib.SMTPServerDisconnected:
        raise
    except smtplib.SMTPException as error:
        return f"{type(error).__name__}: {error}"
    return None
