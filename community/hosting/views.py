"""The floor: the facilitators' workspace for hosting the community, mounted at /floor."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from .. import permissions
from ..auth.actions import find_member
from ..auth.models import User
from ..errors import Invalid, RateLimited
from ..extensions import db
from ..forum.models import Post, Thread
from ..i18n import ngettext
from ..posting import policy, promo
from . import actions, floor, people, settings_admin
from .forms import IntroductionForm, MarkHandledForm, MemberNoteForm, SettingsForm, WelcomeForm

bp = Blueprint("hosting", __name__, url_prefix="/floor")

# The moderation area's endpoints for held posts and flags: approve is one click, rejecting and resolving
# flags need a reason, so those open the moderation page of the post.
MODERATION_ENDPOINTS = {"approve": "moderation.approve", "review": "moderation.post"}


def post_url(post):
    """The address of a post inside its thread."""
    return url_for("forum.thread", thread_id=post.thread_id) + f"#post-{post.number}"


def moderation_url(action, post):
    """The moderation area's URL for action on post, or None if that area does not offer it."""
    try:
        return url_for(MODERATION_ENDPOINTS[action], post_id=post.id)
    except BuildError:
        return None


@bp.app_template_global("member_notes_for")
def member_notes_for(member):
    """Notes for the member-notes include on pages outside the floor (the profile); staff only."""
    if not permissions.can_see_member_notes(current_user):
        return []
    return people.member_notes(member)


@bp.app_template_global("member_note_summaries")
def member_note_summaries(members):
    """{member id: note count and latest note} for the member directory's cards; empty unless staff."""
    if not permissions.can_see_member_notes(current_user):
        return {}
    return people.note_summaries(member.id for member in members)


@bp.app_template_global("spotlight_warning_for")
def spotlight_warning_for(thread):
    """The composer's spotlight warning for the signed-in staff member, or None."""
    return promo.spotlight_warning(current_user, thread)


@bp.context_processor
def floor_helpers():
    return {"post_url": post_url, "moderation_url": moderation_url}


def _get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


@bp.route("/")
@permissions.staff_required
def index():
    return render_template("hosting/index.html", queue=floor.chime_in_queue(), handled_form=MarkHandledForm())


@bp.route("/edges")
@permissions.staff_required
def edges():
    return render_template("hosting/edges.html", edges=people.edges_of_the_crowd())


@bp.route("/spotlight")
@permissions.staff_required
def spotlight():
    meter = floor.spotlight(request.args.get("days", 30, type=int))
    return render_template("hosting/spotlight.html", meter=meter, periods=floor.SPOTLIGHT_PERIODS)


@bp.route("/threads/<int:thread_id>/handled", methods=["POST"])
@permissions.moderator_required
def mark_handled(thread_id):
    thread = _get_or_404(Thread, thread_id)
    form = MarkHandledForm()
    if not form.validate_on_submit():
        abort(400)
    actions.mark_mood_handled(current_user, thread, form.reason.data or "")
    flash(f"“{thread.title}” is off the queue until new posts arrive.", "success")
    return redirect(url_for("hosting.index"))


@bp.route("/welcome")
@permissions.staff_required
def welcome():
    return _render_welcome(WelcomeForm(), None)


def _render_welcome(form, failed_member_id, status=200):
    return render_template("hosting/welcome.html", members=people.members_to_welcome(), form=form,
                           failed_member_id=failed_member_id, recent=people.recent_welcomes()), status


@bp.route("/welcome/<int:user_id>", methods=["POST"])
@permissions.moderator_required
def send_welcome(user_id):
    member = _get_or_404(User, user_id)
    form = WelcomeForm()
    if form.validate_on_submit():
        try:
            actions.welcome_member(current_user, member, form.message.data)
        except (Invalid, RateLimited) as error:
            form.message.errors.append(error.message)
        else:
            flash(f"Your welcome is on its way to {member.name}.", "success")
            return redirect(url_for("hosting.welcome"))
    return _render_welcome(form, member.id, 400)


@bp.route("/introductions", methods=["GET", "POST"])
@permissions.staff_required
def introductions():
    form = IntroductionForm()
    if request.method == "GET":
        # Suggestions link here with the pair filled in; the facilitator still writes the message.
        form.first.data = request.args.get("first", "")[:30]
        form.second.data = request.args.get("second", "")[:30]
    else:
        permissions.require(permissions.can_introduce_members(current_user), "Only facilitators introduce members.")
        if form.validate_on_submit():
            first, second = find_member(form.first.data), find_member(form.second.data)
            try:
                if first is None or second is None:
                    raise Invalid("There is no member with that username.",
                                  field="first" if first is None else "second")
                actions.introduce_members(current_user, first, second, form.message.data)
            except (Invalid, RateLimited) as error:
                getattr(form, error.field if error.field in ("first", "second") else "message").errors.append(
                    error.message)
            else:
                flash(f"You introduced {first.name} and {second.name}.", "success")
                return redirect(url_for("hosting.introductions"))
    return render_template("hosting/introductions.html", form=form, suggestions=people.introduction_suggestions(),
                           recent=people.recent_introductions()), 400 if form.errors else 200


@bp.route("/members/<int:user_id>/notes", methods=["GET", "POST"])
@permissions.staff_required
def member_notes(user_id):
    member = _get_or_404(User, user_id)
    form = MemberNoteForm()
    if request.method == "POST":
        permissions.require(permissions.can_write_member_notes(current_user), "Only facilitators write member notes.")
        if form.validate_on_submit():
            try:
                actions.add_member_note(current_user, member, form.body.data)
            except Invalid as error:
                form.body.errors.append(error.message)
            else:
                flash(f"Note added to {member.name}.", "success")
                return redirect(url_for("hosting.member_notes", user_id=member.id))
    return render_template("hosting/member_notes.html", member=member, notes=people.member_notes(member),
                           note_form=form), 400 if form.errors else 200


@bp.route("/check-post", methods=["GET", "POST"])
@permissions.staff_required
def check_post():
    """What the composer should tell staff before sending: the spotlight warning and the selling language the
    server would refuse (thread_id for a reply, post_id for an edit, where only what the edit adds counts)."""
    permissions.require(permissions.can_check_post(current_user))
    data = request.get_json(silent=True) if request.is_json else None
    data = data if isinstance(data, dict) else (request.form if request.method == "POST" else request.args)
    texts = {"title": str(data.get("title") or "")[:1000], "body": str(data.get("body") or "")[:50000]}
    thread = previous = None
    try:
        thread_id, post_id = _optional_id(data, "thread_id"), _optional_id(data, "post_id")
    except ValueError as error:
        return {"error": str(error)}, 400
    if thread_id is not None:
        thread = db.session.get(Thread, thread_id)
        if thread is None or not permissions.can_view_thread(current_user, thread):
            return {"error": "No such thread."}, 404
    if post_id is not None:
        post = db.session.get(Post, post_id)
        if post is None or not permissions.can_edit_post(current_user, post):
            return {"error": "No such post."}, 404
        previous = {"title": post.thread.title if post.number == 1 else "", "body": post.body_source}
    found = policy.selling_findings(texts, previous)
    body, title = found.get("body", []), found.get("title", [])
    warning = promo.spotlight_warning(current_user, thread)
    return {
        "ok": not found and warning is None,
        "spotlight": warning,
        "promo": {
            "findings": [f.as_dict() for f in body],
            "highlights": promo.highlight_spans(body),
            "title_findings": [f.as_dict() for f in title],
            "title_highlights": promo.highlight_spans(title),
            "summary": promo.describe(title + body),
            "reminder": promo.REMINDER if found else "",
        },
    }


def _optional_id(data, name):
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number.") from None


@bp.route("/settings", methods=["GET", "POST"])
@permissions.admin_required
def settings():
    form = SettingsForm()
    changed = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        fields, changed = settings_admin.save_settings(current_user, request.form, form.reason.data or "")
        if changed is not None:
            flash(ngettext("Saved %(num)d setting.", "Saved %(num)d settings.", len(changed)) if changed
                  else "Nothing changed.", "success")
            return redirect(url_for("hosting.settings"))
    else:
        fields = settings_admin.setting_fields()
    status = 400 if request.method == "POST" else 200
    return render_template("hosting/settings.html", form=form, fields=fields), status
