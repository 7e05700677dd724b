"""The notifications page, the bell's count and marking things read."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..auth.views import safe_next
from ..extensions import db
from . import actions
from .models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


bp.add_app_template_global(actions.bell_label, "bell_label")


@bp.app_context_processor
def inject_unread_count():
    if current_user and current_user.is_authenticated:
        return {"unread_notifications": actions.unread_count(current_user.id)}
    return {"unread_notifications": 0}


@bp.route("/")
@login_required
def index():
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = (select(Notification).where(Notification.user_id == current_user.id)
            .order_by(Notification.id.desc()))
    if request.args.get("filter") == "unread":
        stmt = stmt.where(Notification.read_at.is_(None))
    notes = db.paginate(stmt, page=page, per_page=30, error_out=False)
    return render_template("notifications/index.html", notes=notes, only_unread=request.args.get("filter") == "unread")


@bp.route("/<int:note_id>")
@login_required
def open_notification(note_id):
    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    if note.read_at is None:
        actions.mark_read(current_user, [note.id])
    return redirect(safe_next(note.url, "notifications.index"))


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    ids = request.form.getlist("id", type=int)
    actions.mark_read(current_user, ids or None)
    if request.accept_mimetypes.best == "application/json":
        return {"unread": actions.unread_count(current_user.id)}
    return redirect(url_for("notifications.index"))
