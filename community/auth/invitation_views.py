"""Invitation pages: facilitators send invitations; invited people join through their link."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import permissions
from ..errors import Invalid, NotFound, RateLimited
from ..extensions import limiter
from . import invitations, mail, queries
from .forms import InviteForm, RegisterForm
from .views import accounts_refused, attempts_refused, finish_sign_up, limit_sign_ups, report_every_problem

bp = Blueprint("invitations", __name__)


def _render_page(form, outcome=None, status=200):
    status_filter = request.args.get("status")
    return render_template(
        "auth/invitations.html", form=form, outcome=outcome, counts=queries.invitation_counts(),
        invitations=queries.invitations(max(request.args.get("page", 1, type=int), 1),
                                        status=status_filter if status_filter in ("pending", "accepted") else None),
        status=status_filter, mail_configured=mail.is_configured(),
    ), status


@bp.route("/invitations", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"])
def index():
    if not permissions.can_invite(current_user):
        abort(403)
    form = InviteForm()
    if not form.validate_on_submit():
        return _render_page(form, status=400 if form.errors else 200)
    candidates = invitations.addresses_from_text(form.emails.data)
    if form.csv_file.data:
        candidates += invitations.addresses_from_csv(form.csv_file.data.read())
    try:
        outcome = invitations.invite_people(current_user, candidates)
    except RateLimited as error:
        form.emails.errors.append(error.message)
        return _render_page(form, status=429)
    except Invalid as error:
        form.emails.errors.append(error.message)
        return _render_page(form, status=400)
    # Rendered, not redirected: the links exist only now (the database keeps their hashes).
    return _render_page(InviteForm(formdata=None), outcome=outcome)


def _invitation_asked_for():
    try:
        return invitations.find_invitation((request.view_args or {}).get("token"))
    except NotFound:
        return None


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limit_sign_ups(accounts_breached=lambda limit: accounts_refused(limit, _invitation_asked_for()),
                attempts_breached=lambda limit: attempts_refused(limit, _invitation_asked_for()))
def accept(token):
    if current_user.is_authenticated:
        flash("You are signed in already, so this invitation isn't needed.", "info")
        return redirect(url_for("forum.index"))
    try:
        invitation = invitations.find_invitation(token)
    except NotFound as error:
        return render_template("auth/invitation_used.html", message=error.message), 404
    form = RegisterForm()
    if request.method == "GET":
        form.email.data = invitation.email
    elif form.validate_on_submit():
        joined = finish_sign_up(form, lambda: invitations.join_with_invitation(
            token, form.username.data, form.email.data, form.password.data))
        if joined:
            return joined
    else:
        report_every_problem(form)
    return render_template("auth/register.html", form=form, invitation=invitation), 400 if form.errors else 200
