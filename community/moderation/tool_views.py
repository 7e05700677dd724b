"""Moderation pages for a thread (move, lock, pin, close, slow mode, merge, split) and for a member
(silence, suspend); added to the moderation blueprint by register(bp)."""
import re

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from .. import permissions
from ..auth.actions import find_member
from ..errors import Invalid
from ..extensions import db
from ..forum.models import Category, Post, Thread
from ..forum.queries import visible_categories
from ..permissions import admin_required, moderator_required
from . import members, threads
from .forms import CloseForm, MergeForm, MoveForm, ReasonForm, SilenceForm, SlowModeForm, SplitForm, ToggleForm
from .view_helpers import back_to, form_error, get_thread

THREAD_FORMS = {"move_form": MoveForm, "lock_form": ToggleForm, "pin_form": ToggleForm, "close_form": CloseForm,
                "slow_form": SlowModeForm, "merge_form": MergeForm, "split_form": SplitForm}
THREAD_NUMBER_RE = re.compile(r"(?:/t/)?(\d+)(?:[/?#]|$)")


def _categories():
    return list(visible_categories(current_user))


def _replies(thread):
    return db.session.scalars(
        select(Post).where(Post.thread_id == thread.id, Post.number > 1).order_by(Post.number)).all()


def _thread_forms(thread, **given):
    """Every form of the thread page; a submitted one (with its errors) replaces the fresh one."""
    forms = {}
    for key, form_class in THREAD_FORMS.items():
        form = given.get(key) or form_class(formdata=None)
        forms[key] = form
    categories = [SelectChoice(c.id, c.name) for c in _categories()]
    forms["move_form"].category.choices = [c for c in categories if c.value != thread.category_id] or categories
    forms["split_form"].category.choices = categories
    if forms["split_form"].category.data is None:
        forms["split_form"].category.data = thread.category_id
    forms["split_form"].posts.choices = [SelectChoice(p.id, f"#{p.number} by {p.author.name}")
                                         for p in _replies(thread)]
    if "slow_form" not in given:
        forms["slow_form"].seconds.data = thread.slow_mode_seconds
    return forms


def render_thread_page(thread, status=200, **given):
    return render_template("moderation/thread.html", thread=thread, replies=_replies(thread),
                           **_thread_forms(thread, **given)), status


def _thread_action(thread_id, key, run, done):
    """Validate the thread page's form `key`, run the action, go back or re-show the page with errors."""
    thread = get_thread(thread_id)
    form = THREAD_FORMS[key]()
    if key in ("move_form", "split_form"):
        choices = [SelectChoice(c.id, c.name) for c in _categories()]
        form.category.choices = choices
    if key == "split_form":
        form.posts.choices = [SelectChoice(p.id, str(p.number)) for p in _replies(thread)]
    if form.validate_on_submit():
        try:
            result = run(thread, form)
        except Invalid as error:
            form_error(form, error)
        else:
            flash(done, "success")
            target = result if isinstance(result, Thread) else thread
            return redirect(back_to(url_for("moderation.thread", thread_id=target.id)))
    return render_thread_page(thread, 400, **{key: form})


def thread_page(thread_id):
    return render_thread_page(get_thread(thread_id))[0]


def move(thread_id):
    def run(thread, form):
        category = db.session.get(Category, form.category.data)
        if category is None or not permissions.can_view_category(current_user, category):
            raise Invalid("Choose a category.", field="category")
        return threads.move_thread(current_user, thread, category, form.reason.data)
    return _thread_action(thread_id, "move_form", run, "Thread moved; its author is told why.")


def lock(thread_id):
    return _thread_action(thread_id, "lock_form",
                          lambda t, f: threads.set_locked(current_user, t, f.value.data == "on", f.reason.data),
                          "Thread lock changed.")


def pin(thread_id):
    return _thread_action(thread_id, "pin_form",
                          lambda t, f: threads.set_pinned(current_user, t, f.value.data == "on", f.reason.data),
                          "Thread pin changed.")


def close(thread_id):
    def run(thread, form):
        hours = None if form.when.data == "reopen" else float(form.when.data)
        return threads.set_close_timer(current_user, thread, hours, form.reason.data)
    return _thread_action(thread_id, "close_form", run, "Close timer updated.")


def slow_mode(thread_id):
    return _thread_action(thread_id, "slow_form",
                          lambda t, f: threads.set_slow_mode(current_user, t, f.seconds.data, f.reason.data),
                          "Slow mode updated.")


def merge(thread_id):
    def run(thread, form):
        match = THREAD_NUMBER_RE.search(form.target.data.strip())
        target = db.session.get(Thread, int(match.group(1))) if match else None
        if target is None or not permissions.can_view_thread(current_user, target):
            raise Invalid("No thread with that number or address.", field="target")
        return threads.merge_threads(current_user, thread, target, form.reason.data)
    return _thread_action(thread_id, "merge_form", run, "Threads merged; the old address points to this one.")


def split(thread_id):
    def run(thread, form):
        category = db.session.get(Category, form.category.data)
        if category is None or not permissions.can_view_category(current_user, category):
            raise Invalid("Choose a category.", field="category")
        return threads.split_posts(current_user, thread, form.posts.data, form.title.data, form.reason.data,
                                   category)
    return _thread_action(thread_id, "split_form", run, "Replies moved to a new thread.")


def get_member(username):
    user = find_member(username)
    if user is None:
        abort(404)
    return user


def render_member_page(user, status=200, **given):
    given.setdefault("silence_form", SilenceForm(formdata=None))
    given.setdefault("reason_form", ReasonForm(formdata=None))
    return render_template("moderation/member.html", user=user, **given), status


def member_page(username):
    return render_member_page(get_member(username))[0]


def _member_action(username, form, key, run, done):
    user = get_member(username)
    if form.validate_on_submit():
        try:
            run(user, form)
        except Invalid as error:
            form_error(form, error)
        else:
            flash(done, "success")
            return redirect(url_for("moderation.member", username=user.username))
    return render_member_page(user, 400, **{key: form})


def silence(username):
    return _member_action(username, SilenceForm(), "silence_form",
                          lambda u, f: members.silence_member(current_user, u, f.hours.data, f.reason.data),
                          "Member silenced; they are told why and until when.")


def unsilence(username):
    return _member_action(username, ReasonForm(), "reason_form",
                          lambda u, f: members.unsilence_member(current_user, u, f.reason.data), "Silence lifted.")


def suspend(username):
    return _member_action(username, ReasonForm(), "reason_form",
                          lambda u, f: members.suspend_member(current_user, u, f.reason.data), "Account suspended.")


def unsuspend(username):
    return _member_action(username, ReasonForm(), "reason_form",
                          lambda u, f: members.unsuspend_member(current_user, u, f.reason.data),
                          "Suspension lifted.")


def register(bp):
    """Add the thread and member tools to the moderation blueprint, each behind its role check."""
    add = bp.add_url_rule
    add("/threads/<int:thread_id>", "thread", moderator_required(thread_page))
    for name, view in (("move", move), ("lock", lock), ("pin", pin), ("close", close),
                       ("slow-mode", slow_mode), ("merge", merge), ("split", split)):
        add(f"/threads/<int:thread_id>/{name}", name.replace("-", "_"), moderator_required(view), methods=["POST"])
    add("/members/<username>", "member", moderator_required(member_page))
    add("/members/<username>/silence", "silence", moderator_required(silence), methods=["POST"])
    add("/members/<username>/unsilence", "unsilence", moderator_required(unsilence), methods=["POST"])
    add("/members/<username>/suspend", "suspend", admin_required(suspend), methods=["POST"])
    add("/members/<username>/unsuspend", "unsuspend", admin_required(unsuspend), methods=["POST"])
