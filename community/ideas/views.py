"""Feature-request pages: the board and its CSV export, voting, status, merging and similar threads."""
import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context
from flask_login import current_user, login_required

from .. import permissions
from ..database import utcnow
from ..errors import CommunityError, Invalid
from ..extensions import db, limiter
from ..forum.models import REQUEST_STATUSES, Thread
from . import actions, queries
from .forms import MarkForm, MergeForm, StatusForm, VoteForm
from .models import STATUS_LABELS

bp = Blueprint("ideas", __name__, url_prefix="/ideas")

EXPORT_COLUMNS = ("title", "link", "author", "date", "votes", "status", "category", "tags")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SIMILAR_INPUT_MAX = 2000


@bp.app_template_filter("request_status")
def request_status_label(status):
    return STATUS_LABELS.get(status, status)


@bp.app_template_global("request_panel")
def request_panel(thread):
    """What templates/ideas/_thread_panel.html needs about the viewer and the request."""
    panel = {"state": queries.panel_state(current_user, thread), "status_form": None, "merge_form": None}
    if permissions.can_set_request_status(current_user):
        panel["status_form"] = StatusForm(formdata=None, status=thread.request_status, note=thread.request_status_note)
    if permissions.can_merge_requests(current_user):
        panel["merge_form"] = MergeForm(formdata=None)
    return panel


def _visible_thread(thread_id):
    thread = db.session.get(Thread, thread_id)
    if thread is None or not permissions.can_view_thread(current_user, thread):
        abort(404)
    return thread


def _back_to(thread):
    return redirect(actions.thread_url(thread) + "#request")


def _wants_json():
    return request.accept_mimetypes.best == "application/json"


def _filters():
    """The board's filters from the query string; anything unknown falls back to the default."""
    status = request.args.get("status", "")
    sort = request.args.get("sort", queries.DEFAULT_SORT)
    slug = request.args.get("category", "")
    categories = queries.board_categories(current_user)
    category = next((c for c in categories if c.slug == slug), None)
    return {
        "status": status if status in REQUEST_STATUSES else None,
        "category": category,
        "sort": sort if sort in queries.SORTS else queries.DEFAULT_SORT,
    }, categories


def _filter_args(filters):
    args = {"sort": filters["sort"]}
    if filters["status"]:
        args["status"] = filters["status"]
    if filters["category"] is not None:
        args["category"] = filters["category"].slug
    return args


@bp.route("")
def board():
    filters, categories = _filters()
    page = max(request.args.get("page", 1, type=int), 1)
    threads = queries.board(current_user, page=page, **filters)
    return render_template("ideas/board.html", threads=threads, stats=queries.row_stats(threads.items),
                           filters=filters, filter_args=_filter_args(filters), categories=categories,
                           sorts=queries.SORTS, statuses=[(s, STATUS_LABELS[s]) for s in REQUEST_STATUSES],
                           trending_days=queries.trending_days())


def csv_cell(value):
    """A cell as text, with formula-looking text defused by a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _export_lines(rows):
    """The CSV a row at a time, so a large board streams instead of building in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(EXPORT_COLUMNS)
    yield take()
    for thread in rows:
        writer.writerow([csv_cell(v) for v in (
            thread.title, actions.thread_url(thread, external=True), thread.author.username,
            thread.created_at.strftime("%Y-%m-%d %H:%M"), thread.vote_count,
            STATUS_LABELS.get(thread.request_status, thread.request_status), thread.category.name,
            ", ".join(thread.tag_names),
        )])
        yield take()


@bp.route("/export.csv")
@login_required
def export():
    if not permissions.can_export(current_user):
        abort(403)
    filters, _ = _filters()
    rows = queries.export_rows(current_user, **filters)
    name = f"feature-requests-{utcnow():%Y-%m-%d}.csv"
    return Response(stream_with_context(_export_lines(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/similar")
@login_required
@limiter.limit("60 per minute")
def similar():
    title = request.args.get("title", "")[:SIMILAR_INPUT_MAX]
    body = request.args.get("body", "")[:SIMILAR_INPUT_MAX]
    exclude = request.args.get("exclude", type=int)
    threads, source = queries.similar_threads(current_user, title, body, exclude_id=exclude)
    return {"source": source, "threads": [{
        "id": t.id, "title": t.title, "url": actions.thread_url(t), "votes": t.vote_count,
        "replies": t.reply_count, "category": t.category.name, "is_feature_request": t.is_feature_request,
        "status": request_status_label(t.request_status) if t.is_feature_request else None,
    } for t in threads]}


@bp.route("/<int:thread_id>/vote", methods=["POST"])
@login_required
@limiter.limit("60 per minute")
def vote(thread_id):
    thread = _visible_thread(thread_id)
    if not VoteForm().validate_on_submit():
        abort(400)
    try:
        voted = actions.toggle_vote(current_user, thread)
    except CommunityError as error:
        if _wants_json():
            return {"error": error.message}, error.status_code
        flash(error.message, "error")
        return _back_to(thread)
    votes = db.session.get(Thread, thread_id).vote_count
    if _wants_json():
        return {"voted": voted, "votes": votes}
    return _back_to(thread)


@bp.route("/<int:thread_id>/feature-request", methods=["POST"])
@login_required
def mark(thread_id):
    thread = _visible_thread(thread_id)
    form = MarkForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        actions.set_feature_request(current_user, thread, form.mark.data == "1")
    except Invalid as error:
        flash(error.message, "error")
    else:
        flash("Marked as a feature request." if thread.is_feature_request else "No longer a feature request.",
              "success")
    return _back_to(thread)


@bp.route("/<int:thread_id>/status", methods=["GET", "POST"])
@login_required
def status(thread_id):
    thread = _visible_thread(thread_id)
    if not permissions.can_set_request_status(current_user):
        abort(403)
    form = StatusForm(status=thread.request_status, note=thread.request_status_note)
    if form.validate_on_submit():
        try:
            actions.set_request_status(current_user, thread, form.status.data, form.note.data)
        except Invalid as error:
            getattr(form, error.field or "note").errors.append(error.message)
        else:
            flash(f"Status set to {STATUS_LABELS[thread.request_status]}; voters and followers were told.",
                  "success")
            return _back_to(thread)
    return render_template("ideas/status.html", thread=thread, form=form,
                           history=queries.status_history(thread)), 400 if form.errors else 200


@bp.route("/<int:thread_id>/merge", methods=["GET", "POST"])
@login_required
def merge(thread_id):
    thread = _visible_thread(thread_id)
    if not permissions.can_merge_requests(current_user):
        abort(403)
    form = MergeForm()
    if form.validate_on_submit():
        try:
            target = actions.resolve_thread_reference(form.target.data)
            actions.merge_requests(current_user, thread, target, form.reason.data)
        except Invalid as error:
            getattr(form, error.field or "target").errors.append(error.message)
        else:
            flash(f"Merged into “{target.title}”.", "success")
            return _back_to(target)
    candidates, _ = queries.similar_threads(current_user, thread.title, exclude_id=thread.id)
    candidates = [t for t in candidates if t.is_feature_request]
    return render_template("ideas/merge.html", thread=thread, form=form,
                           candidates=candidates), 400 if form.errors else 200
