"""Forum pages: listings, thread pages, composing, editing and the small actions on posts."""
from flask import (Blueprint, abort, current_app, flash, g, jsonify, make_response, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from .. import markup, permissions
from ..errors import Invalid, NotAllowed
from ..extensions import db, limiter
from . import actions, cache, queries, viewcounts
from .display import UrlPatterns, category_css, revision_diffs, views_label
from .forms import DeletePostForm, EditPostForm, FollowForm, LikeForm, ReplyForm, RestorePostForm, ThreadForm
from .models import Category, Post, Thread

bp = Blueprint("forum", __name__)

ORDERS = "any(latest, top, unanswered)"


def _page():
    return max(request.args.get("page", 1, type=int), 1)


def _posts_per_page():
    return current_app.config["POSTS_PER_PAGE"]


def _wants_json():
    return request.accept_mimetypes.best == "application/json"


def get_visible_thread(thread_id):
    thread = db.session.get(Thread, thread_id)
    if thread is None or not permissions.can_view_thread(current_user, thread):
        abort(404)
    return thread


def get_visible_post(post_id):
    """A post the viewer may see, in a thread they may see; 404 otherwise (nothing leaks)."""
    post = db.session.get(Post, post_id)
    if post is None or not permissions.can_view_post(current_user, post) \
            or not permissions.can_view_thread(current_user, post.thread):
        abort(404)
    return post


bp.add_app_template_global(views_label, "views_label")


@bp.app_template_global("link")
def link(endpoint, **values):
    """url_for for the many links of a page's posts: each endpoint's pattern is built once per request."""
    patterns = g.get("url_patterns")
    if patterns is None:
        patterns = g.url_patterns = UrlPatterns(url_for)
    return patterns(endpoint, **values)


def post_url(post, viewer=None):
    """The thread page holding the post, with its stable anchor."""
    page = queries.page_of_post(viewer or current_user, post.thread, post.number, _posts_per_page())
    return url_for("forum.thread", thread_id=post.thread_id, slug=post.thread.slug, page=page if page > 1 else None) \
        + f"#post-{post.number}"


# --- listings ---------------------------------------------------------------

def _render_listing(order, category=None, tag=None):
    period = request.args.get("period", queries.DEFAULT_TOP_PERIOD)
    if period not in queries.TOP_PERIODS:
        period = queries.DEFAULT_TOP_PERIOD
    threads = queries.list_threads(current_user, order, category=category, tag=tag, period=period, page=_page(),
                                   per_page=current_app.config["THREADS_PER_PAGE"])
    return render_template("forum/listing.html", threads=threads, order=order, category=category, tag=tag,
                           period=period, periods=list(queries.TOP_PERIODS),
                           categories=queries.visible_categories(current_user))


@bp.route("/", defaults={"order": "latest"})
@bp.route(f"/<{ORDERS}:order>")
def index(order):
    return _render_listing(order)


@bp.route("/categories")
def categories():
    return render_template("forum/categories.html", categories=queries.visible_categories(current_user),
                           tags=queries.popular_tags(current_user))


@bp.route("/c/<slug>", defaults={"order": "latest"})
@bp.route(f"/c/<slug>/<{ORDERS}:order>")
def category(slug, order):
    category = queries.category_by_slug(current_user, slug)
    if category is None:
        abort(404)
    return _render_listing(order, category=category)


@bp.route("/tag/<name>", defaults={"order": "latest"})
@bp.route(f"/tag/<name>/<{ORDERS}:order>")
def tag(name, order):
    tag = queries.tag_by_name(name)
    if tag is None:
        abort(404)
    return _render_listing(order, tag=tag)


@bp.route("/categories.css")
def category_styles():
    """Category colours as CSS classes: the CSP forbids style attributes, so colours come from a stylesheet."""
    response = make_response(category_css(queries.visible_categories(current_user)))
    response.mimetype = "text/css"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# --- reading a thread ---------------------------------------------------------

def _render_thread(thread, page, form, status=200):
    per_page = _posts_per_page()
    posts = cache.LazyPage(lambda: queries.thread_posts(current_user, thread, page, per_page))
    # Anonymous readers share one rendering of the post list (forum/cache.py), which skips the posts query.
    posts_key = cache.thread_key(thread, "posts", page, per_page) if status == 200 else None
    state = queries.viewer_state(current_user, thread, posts.items) if current_user.is_authenticated \
        else queries.ViewerState()
    return render_template("forum/thread.html", thread=thread, posts=posts, form=form, viewer=state,
                           posts_key=posts_key), status


@bp.route("/t/<int:thread_id>")
@bp.route("/t/<int:thread_id>/<slug>")
def thread(thread_id, slug=None):
    shared = cache.shared_thread_page(thread_id)
    if shared is not None:
        viewcounts.count_view(thread_id)
        return shared
    thread = get_visible_thread(thread_id)
    if thread.redirect_to_id:
        return redirect(url_for("forum.thread", thread_id=thread.redirect_to_id), 301)
    page = _page()
    if page > 1 and page > queries.last_page(current_user, thread, _posts_per_page()):
        # Posts were deleted or moved since the link was made: the last page is the nearest thing.
        return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread.slug,
                                page=queries.last_page(current_user, thread, _posts_per_page())))
    # Only readers who may reply get a form: a visitor's page then mints no CSRF token and starts no session.
    body, status = _render_thread(thread, page, ReplyForm() if permissions.can_reply(current_user, thread) else None)
    if status == 200:
        cache.keep_thread_page(body)
    # Counted after rendering so the commit does not expire what the template reads.
    actions.record_view(thread)
    return body, status


@bp.route("/t/<int:thread_id>/p/<int:number>")
def post_link(thread_id, number):
    """A stable link to post number N of a thread, whatever page it is on now."""
    thread = get_visible_thread(thread_id)
    post = queries.post_by_number(thread, number)
    if post is None or not permissions.can_view_post(current_user, post):
        abort(404)
    return redirect(post_url(post))


@bp.route("/t/<int:thread_id>/reply", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per minute", methods=["POST"])
def reply(thread_id):
    thread = get_visible_thread(thread_id)
    form = ReplyForm()
    if request.method == "GET":
        return _reply_page(thread, form)
    if not form.validate_on_submit():
        return _render_thread(thread, queries.last_page(current_user, thread, _posts_per_page()), form, 400)
    reply_to = _reply_target(thread, form.reply_to.data)
    try:
        post = actions.create_post(current_user, thread, form.body.data, reply_to=reply_to,
                                   override=form.override.data)
    except Invalid as error:
        form.body.errors.append(error.message)
        status = 400
    except NotAllowed as error:
        form.body.errors.append(error.message)
        status = 403
    else:
        if post.state != "published":
            flash("Thanks! Your post is awaiting review by a facilitator; only you can see it for now.", "info")
        return redirect(post_url(post))
    return _render_thread(thread, queries.last_page(current_user, thread, _posts_per_page()), form, status)


def _reply_target(thread, raw):
    """The post being replied to, if it is a post of this thread the replier may see."""
    if not raw or not str(raw).isdigit():
        return None
    post = db.session.get(Post, int(raw))
    if post is None or post.thread_id != thread.id or not permissions.can_view_post(current_user, post):
        return None
    return post


def _reply_page(thread, form):
    """The composer on its own page: replying to or quoting a post without JavaScript."""
    quoted = _reply_target(thread, request.args.get("quote"))
    target = quoted or _reply_target(thread, request.args.get("to"))
    if target is not None:
        form.reply_to.data = str(target.id)
    if quoted is not None and quoted.is_visible:
        form.body.data = markup.render_quote(quoted.author.username, quoted.body_source)
    return render_template("forum/reply.html", thread=thread, form=form, target=target)


@bp.route("/p/<int:post_id>/quote")
@login_required
def quote(post_id):
    """Markdown quoting a post, for the composer's Quote button."""
    post = get_visible_post(post_id)
    if not post.is_visible:
        abort(404)
    return jsonify(markdown=markup.render_quote(post.author.username, post.body_source), reply_to=post.id)


@bp.route("/t/<int:thread_id>/follow", methods=["POST"])
@login_required
def follow(thread_id):
    thread = get_visible_thread(thread_id)
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    following = actions.set_following(current_user, thread, form.follow.data == "1")
    if _wants_json():
        return jsonify(following=following)
    flash("You'll be notified of new replies." if following else "You stopped following this thread.", "info")
    return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread.slug))


# --- acting on posts ------------------------------------------------------------

@bp.route("/p/<int:post_id>/like", methods=["POST"])
@login_required
@limiter.limit("60 per minute")
def like(post_id):
    post = get_visible_post(post_id)
    if not LikeForm().validate_on_submit():
        abort(400)
    try:
        liked = actions.toggle_like(current_user, post)
    except NotAllowed as error:
        if _wants_json():
            return jsonify(error=error.message), 403
        raise
    if _wants_json():
        return jsonify(liked=liked, count=post.like_count)
    return redirect(post_url(post))


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per minute", methods=["POST"])
def edit(post_id):
    post = get_visible_post(post_id)
    if not permissions.can_edit_post(current_user, post):
        abort(403, "You can only edit your own posts.")
    opening = post.number == 1
    form = EditPostForm()
    if request.method == "GET":
        form.body.data = post.body_source
        form.title.data = post.thread.title if opening else None
    elif form.validate_on_submit():
        try:
            actions.edit_post(current_user, post, form.body.data, title=form.title.data if opening else None,
                              override=form.override.data)
        except Invalid as error:
            getattr(form, error.field or "body").errors.append(error.message)
        else:
            flash("Your changes are saved.", "success")
            return redirect(post_url(post))
    return render_template("forum/edit.html", post=post, form=form, opening=opening), 400 if form.errors else 200


@bp.route("/p/<int:post_id>/revisions")
@login_required
def revisions(post_id):
    post = get_visible_post(post_id)
    if not permissions.can_view_revisions(current_user, post):
        abort(403, "Only the author and staff can see earlier versions of a post.")
    history = queries.post_revisions(post)
    return render_template("forum/revisions.html", post=post, versions=revision_diffs(post, history))


@bp.route("/p/<int:post_id>/delete", methods=["POST"])
@login_required
def delete(post_id):
    post = get_visible_post(post_id)
    form = DeletePostForm()
    if not form.validate_on_submit():
        abort(400, "The reason is too long (500 characters at most).")
    actions.delete_post(current_user, post, reason=form.reason.data or "")
    flash("The post is deleted." if post.number > 1 else "The thread is deleted.", "info")
    if permissions.can_view_thread(current_user, post.thread):
        return redirect(post_url(post))
    return redirect(url_for("forum.category", slug=post.thread.category.slug))


@bp.route("/p/<int:post_id>/restore", methods=["POST"])
@login_required
def restore(post_id):
    post = get_visible_post(post_id)
    form = RestorePostForm()
    if not form.validate_on_submit():
        abort(400, "The reason is too long (500 characters at most).")
    actions.restore_post(current_user, post, reason=form.reason.data or "")
    flash("The post is restored.", "success")
    return redirect(post_url(post))


# --- starting a thread --------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def new_thread():
    categories = [c for c in queries.visible_categories(current_user)
                  if permissions.can_start_thread(current_user, c)]
    form = ThreadForm()
    form.category.choices = [SelectChoice(c.id, c.name) for c in categories]
    if request.method == "GET":
        chosen = next((c for c in categories if c.slug == request.args.get("category")), None)
        if chosen is not None:
            form.category.data = chosen.id
    elif form.validate_on_submit():
        category = db.session.get(Category, form.category.data)
        try:
            thread = actions.create_thread(current_user, category, form.title.data, form.body.data,
                                           form.tags.data, form.is_feature_request.data,
                                           override=form.override.data)
        except Invalid as error:
            getattr(form, error.field or "body").errors.append(error.message)
        except NotAllowed as error:
            form.category.errors.append(error.message)
        else:
            return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread.slug))
    if form.category.errors and request.method == "POST":
        # Not a choice offered to this member: read-only, staff-only or unknown.
        form.category.errors[:] = ["Choose one of the categories in the list; you can't start threads elsewhere."]
    return render_template("forum/new_thread.html", form=form, categories=categories), 400 if form.errors else 200
