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
from sqlalchemy import func, insert, select, update

from .. import permissions
from ..database import commit, utcnow
from ..errors import Invalid, NotFound, RateLimited
from ..extensions import db
from ..i18n import ngettext
from ..jobs import JobKind, enqueue_many
from . import mail
from .actions import build_member, normalise_email
from .models import Invitation, User

log = logging.getLogger(__name__)

# Loose on purpose: it finds candidates in any text or CSV cell; normalise_email then decides.
EMAIL_CANDIDATE_RE = re.compile(r"[^\s,;<>()\[\]\"':]+@[^\s,;<>()\[\]\"':]+")


@dataclass(frozen=True)
class InvitedAddress:
    """One invitation made by a batch: what the page that reports it needs."""

    id: int
    email: str
    token_hash: str


@dataclass
class InviteOutcome:
    """What one batch of invitations did, for the page that reports it."""

    invited: list = field(default_factory=list)  # (InvitedAddress, link) pairs; link None when it is emailed
    already_members: list = field(default_factory=list)
    invalid: list = field(default_factory=list)
    duplicates: int = 0
    emailed: bool = False  # the links go out by email (from the job worker) instead of being shown


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
    """Create one single-use invitation per new address: with a mail server, and a job in the same transaction
    to email each link; without one, links to show for copying.

    Existing members are skipped, repeats in the batch counted once, and a pending invitation to the
    same address gets a fresh link (the old one stops working, since only its hash was kept). Nothing here
    talks to the mail server, so a thousand addresses take no longer than the database writes.
    """
    permissions.require(permissions.can_invite(inviter), "Only facilitators invite people.")
    outcome = InviteOutcome()
    emails = {}  # a dict keeps the order they were given in
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
            emails[email] = True
    emails = list(emails)
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
    outcome.emailed = mail.is_configured()
    link_template = link_for(mail.TOKEN_SLOT) if outcome.emailed else None
    now = utcnow()
    tokens, fresh = {}, []
    for email in emails:
        # Emailed, the token made here is never shown: the job mints the one it mails (see deliver_invitation).
        tokens[email] = secrets.token_urlsafe(32)
        values = {"token_hash": hash_token(tokens[email]), "invited_by_id": inviter.id, "created_at": now,
                  "sent_at": None, "mail_error": None}
        if email in pending:
            for name, value in values.items():
                setattr(pending[email], name, value)
        else:
            fresh.append({"email": email, **values})
    db.session.flush()
    # One INSERT for the new addresses: a thousand ORM objects would cost the page most of its second.
    ids = db.session.scalars(insert(Invitation).returning(Invitation.id, sort_by_parameter_order=True),
                             fresh).all() if fresh else []
    invited = {inv.email: InvitedAddress(inv.id, inv.email, inv.token_hash) for inv in pending.values()}
    invited.update((row["email"], InvitedAddress(new_id, row["email"], row["token_hash"]))
                   for new_id, row in zip(ids, fresh))
    for email in emails:
        outcome.invited.append((invited[email], None if outcome.emailed else link_for(tokens[email])))
    if outcome.emailed:
        enqueue_many(INVITATION_MAIL.name, [
            ({"invitation_id": invitation.id, "to": invitation.email, "pending_hash": invitation.token_hash,
              "link": link_template, "inviter": inviter.name}, f"invitation:{invitation.id}")
            for invitation, _ in outcome.invited])
    commit()
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


def deliver_invitation(payload):
    """The job: email one invitation with a link minted now. Skipped when the invitation was accepted or given a
    newer link since it was queued. The token's hash is stored only after the mail server took the message,
    so a send that failed leaves no half-made link, and no database lock is held while the server answers."""
    invitation = db.session.get(Invitation, payload["invitation_id"])
    if invitation is None or invitation.accepted_at is not None or invitation.token_hash != payload["pending_hash"]:
        return
    token = secrets.token_urlsafe(32)
    mail.send(mail.invitation_message(invitation.email, mail.link_with_token(payload["link"], token),
                                      payload["inviter"], current_app.config["SITE_NAME"]))
    stored = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.token_hash == payload["pending_hash"])
        .values(token_hash=hash_token(token), sent_at=utcnow(), mail_error=None)
        .execution_options(synchronize_session=False))
    if stored.rowcount != 1:
        log.info("The invitation to %s was sent again while this email was on its way; the newer link stands",
                 invitation.email)


def _invitation_mail_failed(payload, error):
    """Show the final failure on the invitation list, where the facilitator who sent it looks."""
    db.session.execute(update(Invitation)
                       .where(Invitation.id == payload["invitation_id"], Invitation.accepted_at.is_(None))
                       .values(mail_error=error[:500]).execution_options(synchronize_session=False))


def _describe_invitation_mail(payload):
    return f"Invitation mail to {payload.get('to', '?')}"


INVITATION_MAIL = JobKind("mail.invitation", run=deliver_invitation, describe=_describe_invitation_mail,
                          on_failed=_invitation_mail_failed)


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
