"""Invitations: facilitators invite people by email; each gets a single-use link to join."""
import csv
import hashlib
import io
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from .. import permissions
from ..database import commit, utcnow
from ..errors import Invalid, NotFound, RateLimited
from ..extensions import db
from ..i18n import ngettext
from . import mail
from .actions import build_member, normalise_email
from .models import Invitation, User

log = logging.getLogger(__name__)

# Loose on purpose: it finds candidates in any text or CSV cell; normalise_email then decides.
EMAIL_CANDIDATE_RE = re.compile(r"[^\s,;<>()\[\]\"':]+@[^\s,;<>()\[\]\"':]+")


@dataclass
class InviteOutcome:
    """What one batch of invitations did, for the page that reports it."""

    invited: list = field(default_factory=list)  # (invitation, link) pairs
    already_members: list = field(default_factory=list)
    invalid: list = field(default_factory=list)
    duplicates: int = 0

    @property
    def mail_failures(self):
        return [inv for inv, _ in self.invited if inv.mail_error]


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def addresses_from_text(text):
    """Every email-looking string in free text: one per line, commas, 'Name <a@b.c>' all work."""
    return EMAIL_CANDIDATE_RE.findall(text or "")


def addresses_from_csv(data):
    """Every email-looking string in any column of a CSV file (bytes or text)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(data[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    found = []
    for row in csv.reader(io.StringIO(data), dialect):
        for cell in row:
            found.extend(EMAIL_CANDIDATE_RE.findall(cell))
    return found


def invite_people(inviter, candidates, link_for=None):
    """Create one single-use invitation per new address, then email the links when mail is configured.

    Existing members are skipped, repeats in the batch counted once, and a pending invitation to the
    same address gets a fresh link (the old one stops working, since only its hash was kept).
    """
    permissions.require(permissions.can_invite(inviter), "Only facilitators invite people.")
    outcome = InviteOutcome()
    emails = []
    for raw in candidates:
        raw = raw.strip().strip(".")
        try:
            email = normalise_email(raw)
        except Invalid:
            outcome.invalid.append(raw[:254])
            continue
        if email in emails:
            outcome.duplicates += 1
        else:
            emails.append(email)
    if not emails:
        if outcome.invalid:
            return outcome
        raise Invalid("Add at least one email address, or upload a CSV file with a column of them.",
                      field="emails")
    config = current_app.config
    if len(emails) > config["INVITE_BATCH_MAX"]:
        raise Invalid(f"Invite at most {config['INVITE_BATCH_MAX']} people at a time "
                      f"(this list has {len(emails)}).", field="emails")

    members = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    outcome.already_members = [e for e in emails if e in members]
    emails = [e for e in emails if e not in members]
    _check_daily_allowance(inviter, len(emails), config["INVITES_PER_DAY"])

    pending = {inv.email: inv for inv in db.session.scalars(
        select(Invitation).where(Invitation.email.in_(emails), Invitation.accepted_at.is_(None)))}
    link_for = link_for or (lambda token: mail.external_url("invitations.accept", token=token))
    now = utcnow()
    for email in emails:
        token = secrets.token_urlsafe(32)
        invitation = pending.get(email) or Invitation(email=email)
        invitation.token_hash = hash_token(token)
        invitation.invited_by_id = inviter.id
        invitation.created_at = now
        invitation.sent_at = None
        invitation.mail_error = None
        db.session.add(invitation)
        outcome.invited.append((invitation, link_for(token)))
    commit()
    if outcome.invited and mail.is_configured():
        _deliver(inviter, outcome.invited)
    return outcome


def _check_daily_allowance(inviter, count, allowance):
    since = utcnow() - timedelta(days=1)
    sent = db.session.scalar(select(func.count(Invitation.id)).where(
        Invitation.invited_by_id == inviter.id, Invitation.created_at >= since))
    if sent + count > allowance:
        left = max(allowance - sent, 0)
        raise RateLimited(ngettext("You can send %(num)d invitation a day; ",
                                   "You can send %(num)d invitations a day; ", allowance)
                          + ngettext("%(num)d is left for today. ", "%(num)d are left for today. ", left)
                          + "Send the rest tomorrow.", retry_after=3600)


def _deliver(inviter, invited):
    """Email each link; a failure is logged and kept on the invitation, never raised."""
    site = current_app.config["SITE_NAME"]
    messages = [mail.invitation_message(inv.email, link, inviter.name, site) for inv, link in invited]
    errors = mail.send_all(messages)
    now = utcnow()
    for (invitation, _), error in zip(invited, errors):
        if error:
            log.warning("Invitation mail to %s failed: %s", invitation.email, error)
            invitation.mail_error = error[:500]
        else:
            invitation.sent_at = now
    commit()


def find_invitation(token):
    """The pending invitation for a link token; NotFound when unknown or already used."""
    if not token or len(token) > 200:
        raise NotFound("This invitation link is not valid.")
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None:
        raise NotFound("This invitation link is not valid. Ask whoever invited you for a new one.")
    if invitation.accepted_at is not None:
        raise NotFound("This invitation has been used already. If it was you, sign in instead.")
    return invitation


def join_with_invitation(token, username, email, password):
    """Create the invited person's account and mark the invitation used, in one transaction."""
    invitation = find_invitation(token)
    user = build_member(username, email, password)  # also closes invitations to the address they used
    if invitation.accepted_at is None:
        invitation.accepted_at = user.created_at
        invitation.accepted_user_id = user.id
    commit()
    return user
