"""The failed-deliveries page: admins see what the job worker gave up on, and retry or dismiss it."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import permissions
from ..errors import Invalid, NotFound
from . import actions, queries
from .forms import DeliveryForm

bp = Blueprint("jobs", __name__, url_prefix="/floor/deliveries")


def _admin_only():
    if not permissions.can_manage_deliveries(current_user):
        abort(403)


@bp.route("/")
@login_required
def failed():
    _admin_only()
    page = queries.failed_jobs(max(request.args.get("page", 1, type=int), 1))
    return render_template("jobs/failed.html", page=page, counts=queries.counts(), form=DeliveryForm(),
                           describe=actions.describe, retryable=actions.is_retryable)


def _check_form():
    if not DeliveryForm().validate_on_submit():
        abort(400)


@bp.route("/<int:job_id>/retry", methods=["POST"])
@login_required
def retry(job_id):
    _admin_only()
    _check_form()
    try:
        what = actions.retry_job(current_user, job_id)
    except (NotFound, Invalid) as error:
        flash(error.message, "error")
    else:
        flash(f"Trying again now: {what}.", "success")
    return redirect(url_for("jobs.failed"))


@bp.route("/retry-all", methods=["POST"])
@login_required
def retry_all():
    _admin_only()
    _check_form()
    count = actions.retry_all_failed(current_user)
    flash(f"Trying {count} failed deliver{'y' if count == 1 else 'ies'} again now." if count
          else "Nothing to retry.", "success")
    return redirect(url_for("jobs.failed"))


@bp.route("/<int:job_id>/dismiss", methods=["POST"])
@login_required
def dismiss(job_id):
    _admin_only()
    _check_form()
    try:
        actions.dismiss_job(current_user, job_id)
    except NotFound as error:
        flash(error.message, "error")
    else:
        flash("Dismissed.", "success")
    return redirect(url_for("jobs.failed"))
