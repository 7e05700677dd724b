"""Moderation pages under /mod: review queue, flags, post and thread tools, audit log, a member's own history."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from .. import permissions
from ..auth.actions import find_member
from ..errors import Invalid
from ..permissions import moderator_required, staff_required
from . import actions, flags, queries, tool_views
from .forms import AuditFilterForm, FlagForm, OptionalReasonForm, ReasonForm, ResolveFlagsForm
from .models import FLAG_REASONS
from .view_helpers import back_to, form_error, get_post, page_arg

bp = Blueprint("moderation", __name__, url_prefix="/mod")
# The thread and member tools live in their own module; their routes join this blueprint here, once.
tool_views.register(bp)
# The flag form is included on every thread page, so its reasons are a template global.
bp.add_app_template_global(FLAG_REASONS, "flag_reasons")


@bp.route("/")
@moderator_required
def index():
    return redirect(url_for("moderation.queue"))


@bp.route("/queue")
@moderator_required
def queue():
    return render_template("moderation/queue.html", posts=queries.held_posts(page_arg()),
                           flag_count=queries.open_flag_count(), form=ReasonForm())


@bp.route("/flags")
@moderator_required
def flag_queue():
    return render_template("moderation/flags.html", flagged=queries.flagged_posts(),
                           held_count=queries.held_count(), form=ResolveFlagsForm())


def render_post_page(post, status=200, **forms):
    forms.setdefault("approve_form", OptionalReasonForm())
    forms.setdefault("reason_form", ReasonForm())
    forms.setdefault("resolve_form", ResolveFlagsForm())
    return render_template("moderation/post.html", post=post, open_flags=queries.open_flags_for(post),
                           **forms), status


@bp.route("/posts/<int:post_id>")
@moderator_required
def post(post_id):
    return render_post_page(get_post(post_id))[0]


def _post_action(post_id, form, run, done):
    """Validate a form, run the action, then go back with a message or re-show the post page with errors."""
    post = get_post(post_id)
    if form.validate_on_submit():
        try:
            run(post, form)
        except Invalid as error:
            form_error(form, error)
        else:
            flash(done, "success")
            return redirect(back_to(url_for("moderation.post", post_id=post.id)))
    key = "approve_form" if isinstance(form, OptionalReasonForm) else (
        "resolve_form" if isinstance(form, ResolveFlagsForm) else "reason_form")
    return render_post_page(post, 400, **{key: form})


@bp.route("/posts/<int:post_id>/approve", methods=["POST"])
@moderator_required
def approve(post_id):
    return _post_action(post_id, OptionalReasonForm(),
                        lambda p, f: actions.approve_post(current_user, p, f.reason.data), "Post approved.")


@bp.route("/posts/<int:post_id>/reject", methods=["POST"])
@moderator_required
def reject(post_id):
    return _post_action(post_id, ReasonForm(),
                        lambda p, f: actions.reject_post(current_user, p, f.reason.data),
                        "Post not published; the author is told why.")


@bp.route("/posts/<int:post_id>/hide", methods=["POST"])
@moderator_required
def hide(post_id):
    return _post_action(post_id, ReasonForm(),
                        lambda p, f: actions.hide_post(current_user, p, f.reason.data),
                        "Post hidden; the author is told why.")


@bp.route("/posts/<int:post_id>/unhide", methods=["POST"])
@moderator_required
def unhide(post_id):
    return _post_action(post_id, ReasonForm(),
                        lambda p, f: actions.unhide_post(current_user, p, f.reason.data), "Post visible again.")


@bp.route("/posts/<int:post_id>/flags/resolve", methods=["POST"])
@moderator_required
def resolve(post_id):
    return _post_action(post_id, ResolveFlagsForm(),
                        lambda p, f: flags.resolve_flags(current_user, p, f.decision.data == "agree",
                                                         f.reason.data), "Flags resolved.")


@bp.route("/posts/<int:post_id>/flag", methods=["GET", "POST"])
@login_required
def flag(post_id):
    post = get_post(post_id)
    if not permissions.can_flag(current_user, post):
        abort(403)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            flags.flag_post(current_user, post, form.reason.data, form.text.data)
        except Invalid as error:
            form_error(form, error)
        else:
            flash("Thanks: a facilitator will look at this post.", "success")
            return redirect(back_to(url_for("forum.thread", thread_id=post.thread_id) + f"#post-{post.number}"))
    status = 400 if form.errors else 200
    return render_template("moderation/flag.html", post=post, form=form), status


@bp.route("/posts/<int:post_id>/review", methods=["POST"])
@login_required
def request_review(post_id):
    post = get_post(post_id)
    form = OptionalReasonForm()
    if not form.validate_on_submit():
        abort(400)
    actions.request_review(current_user, post)
    flash("Thanks: your post is waiting for a facilitator to look again.", "success")
    return redirect(back_to(url_for("forum.thread", thread_id=post.thread_id) + f"#post-{post.number}"))


@bp.route("/audit")
@staff_required
def audit():
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", "Any action")] + [SelectChoice(a, queries.ACTION_LABELS.get(a, a))
                                                              for a in queries.audit_actions()]
    form.validate()
    for name in ("since", "until"):
        field = getattr(form, name)
        if field.data and queries.parse_date(field.data) is None:
            field.errors = list(field.errors) + ["Use a date like 2026-01-31; this filter was left out."]
    entries = queries.audit_entries(actor=form.actor.data, action=form.action.data, member=form.member.data,
                                    since=form.since.data, until=form.until.data, page=page_arg())
    filters = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("moderation/audit.html", form=form, entries=entries, filters=filters,
                           labels=queries.ACTION_LABELS)


@bp.route("/my-history")
@login_required
def my_history():
    pagination, items = queries.member_history(current_user, page_arg())
    return render_template("moderation/my_history.html", pager=pagination, items=items)


@bp.route("/members")
@moderator_required
def find_member_page():
    username = (request.args.get("username") or "").strip()
    if username:
        user = find_member(username)
        if user is not None:
            return redirect(url_for("moderation.member", username=user.username))
        flash(f"No member called “{username[:30]}”.", "error")
    return redirect(url_for("moderation.queue"))
