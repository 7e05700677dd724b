"""Join, sign in, sign out, profiles."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import Invalid
from ..extensions import limiter
from . import actions
from .forms import LoginForm, RegisterForm

bp = Blueprint("auth", __name__)


def safe_next(target, fallback="forum.index"):
    """Only same-site relative paths are followed after sign-in (no open redirects)."""
    target = (target or "").strip().replace("\\", "/")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return url_for(fallback)
    if any(ord(c) < 32 for c in target):
        return url_for(fallback)
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("forum.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = actions.authenticate(form.login.data, form.password.data)
        if user is None:
            form.password.errors.append("That username or password is not right.")
        elif not user.is_active:
            form.login.errors.append("This account is suspended.")
        else:
            login_user(user, remember=form.remember.data)
            actions.touch_last_seen(user)
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("forum.index"))


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("forum.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = actions.register_member(form.username.data, form.email.data, form.password.data)
        except Invalid as error:
            getattr(form, error.field or "username").errors.append(error.message)
        else:
            login_user(user)
            flash(f"Welcome to the community, {user.username}!", "success")
            return redirect(url_for("forum.index"))
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


@bp.route("/u/<username>")
def profile(username):
    user = actions.find_member(username)
    if user is None:
        abort(404)
    return render_template("auth/profile.html", user=user)


@bp.route("/me")
@login_required
def me():
    return redirect(url_for("auth.profile", username=current_user.username))
