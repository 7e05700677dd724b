"""Small helpers the moderation views share: lookups that 404, safe return addresses, form errors."""
from flask import abort, flash, request
from flask_login import current_user

from .. import permissions
from ..auth.views import safe_next
from ..extensions import db
from ..forum.models import Post, Thread


def page_arg():
    return max(request.args.get("page", 1, type=int), 1)


def get_post(post_id):
    post = db.session.get(Post, post_id)
    if post is None or not permissions.can_view_post(current_user, post) \
            or not permissions.can_view_thread(current_user, post.thread):
        abort(404)
    return post


def get_thread(thread_id):
    thread = db.session.get(Thread, thread_id)
    if thread is None or not permissions.can_view_thread(current_user, thread):
        abort(404)
    return thread


def back_to(default):
    """Where to go after a form: the page it came from when that is on this site."""
    target = request.form.get("next") or request.args.get("next")
    return safe_next(target) if target else default


def form_error(form, error):
    """Put an action's Invalid message on the field it names (or the reason) so the page shows it."""
    field = getattr(form, error.field or "", None) or getattr(form, "reason", None)
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")
