"""Forum pages: listings, threads, composing."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import permissions
from ..errors import Invalid
from ..extensions import db, limiter
from . import actions, queries
from .forms import ReplyForm, ThreadForm
from .models import Category, Thread

bp = Blueprint("forum", __name__)


def _page():
    return max(request.args.get("page", 1, type=int), 1)


def get_visible_thread(thread_id):
    thread = db.session.get(Thread, thread_id)
    if thread is None or not permissions.can_view_thread(current_user, thread):
        abort(404)
    return thread


@bp.route("/")
def index():
    threads = queries.latest_threads(current_user, _page())
    return render_template("forum/index.html", threads=threads,
                           categories=queries.visible_categories(current_user))


@bp.route("/t/<int:thread_id>")
@bp.route("/t/<int:thread_id>/<slug>")
def thread(thread_id, slug=None):
    thread = get_visible_thread(thread_id)
    if thread.redirect_to_id:
        return redirect(url_for("forum.thread", thread_id=thread.redirect_to_id))
    posts = queries.thread_posts(current_user, thread, _page())
    return render_template("forum/thread.html", thread=thread, posts=posts, form=ReplyForm())


@bp.route("/t/<int:thread_id>/reply", methods=["POST"])
@login_required
@limiter.limit("20 per minute")
def reply(thread_id):
    thread = get_visible_thread(thread_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            post = actions.create_post(current_user, thread, form.body.data)
        except Invalid as error:
            form.body.errors.append(error.message)
        else:
            return redirect(url_for("forum.thread", thread_id=thread.id, page=_last_page(thread)) + f"#post-{post.number}")
    posts = queries.thread_posts(current_user, thread, _page())
    return render_template("forum/thread.html", thread=thread, posts=posts, form=form), 400


def _last_page(thread):
    per_page = 20
    return max((thread.reply_count + per_page) // per_page, 1)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def new_thread():
    categories = [c for c in queries.visible_categories(current_user)
                  if permissions.can_start_thread(current_user, c)]
    form = ThreadForm()
    form.category.choices = [(c.id, c.name) for c in categories]
    if form.validate_on_submit():
        category = db.session.get(Category, form.category.data)
        try:
            thread = actions.create_thread(current_user, category, form.title.data, form.body.data,
                                           form.tags.data, form.is_feature_request.data)
        except Invalid as error:
            getattr(form, error.field or "body").errors.append(error.message)
        else:
            return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread.slug))
    return render_template("forum/new_thread.html", form=form), 400 if form.errors else 200
