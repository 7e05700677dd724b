"""Outgoing email over SMTP (smtplib), used when MAIL_SERVER is configured."""
import smtplib
from email.message import EmailMessage

from flask import current_app


def is_configured():
    return bool(current_app.config.get("MAIL_SERVER"))


def invitation_message(to, link, inviter_name, site_name):
    message = EmailMessage()
    message["Subject"] = f"{inviter_name} invites you to the {site_name} community"
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message.set_content(
        f"Hello,\n\n{inviter_name} from {site_name} invites you to join our customer community, "
        f"where customers and the team talk openly about the products.\n\n"
        f"Join with this link (it works once):\n{link}\n\n"
        f"If you weren't expecting this, you can ignore this email.\n"
    )
    return message


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
