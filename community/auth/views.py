"""Join, sign in and out, profiles, passwords, the member directory and role changes."""
from urllib.parse import unquote, urlsplit

from flask import Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import markup, permissions, ratelimits
from ..errors import Invalid, RateLimited
from ..extensions import limiter
from ..database import commit
from . import actions, queries, reset, sessions
from .forms import (ForgotPasswordForm, LoginForm, PasswordForm, ProfileForm, RegisterForm, ResetPasswordForm,
                    RoleForm, SignOutForm)

bp = Blueprint("auth", __name__)


def _is_local_path(target):
    """True for a same-site path such as /t/3?page=2 — also once percent-decoded, as some hops decode."""
    if not target or len(target) > 2000:
        return False
    candidate = target
    for _ in range(3):
        if any(ord(c) < 32 or ord(c) == 127 for c in candidate):
            return False  # browsers drop tabs and newlines, so "/\t/evil.com" would become "//evil.com"
        path = candidate.split("?", 1)[0].split("#", 1)[0]
        if not path.startswith("/") or path.startswith("//") or "\\" in path:
            return False  # browsers read "\" as "/", so "/\evil.com" is another host
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return False
        decoded = unquote(candidate)
        if decoded == candidate:
            return True
        candidate = decoded
    return True


def safe_next(target, fallback="forum.index"):
    """Only same-site relative paths are followed after sign-in (no open redirects)."""
    target = (target or "").strip()
    return target if _is_local_path(target) else url_for(fallback)


def _page():
    return max(request.args.get("page", 1, type=int), 1)


def form_error(form, error, default_field):
    """Show an action's refusal on the form: on each field it names (InvalidFields names several)."""
    for name, message in (getattr(error, "errors", None) or {error.field: error.message}).items():
        field = getattr(form, name or default_field, None) or getattr(form, default_field)
        field.errors = list(field.errors) + [message]


def report_every_problem(form):
    """A join form that failed its own checks also lists what the account rules say about the other fields."""
    problems = actions.check_new_member(form.username.data, form.email.data, form.password.data)
    for name, message in problems.items():
        field = getattr(form, name)
        if not field.errors:
            field.errors = list(field.errors) + [message]


# --- joining: only accounts made count against the limit; a refusal keeps the form ------------------------

def _counts_as_sign_up(response):
    """An account made, or an answer that an address is in use: each is one of SIGNUPS_PER_ADDRESS, so asking
    about addresses costs as much as joining does."""
    return g.get("sign_up_counted", False)


def finish_sign_up(form, join):
    """Run join() (which creates the account); on success sign the newcomer in and return the redirect."""
    try:
        user = join()
    except actions.EmailInUse as error:
        g.sign_up_counted = True
        form_error(form, error, "email")
    except Invalid as error:
        form_error(form, error, "username")
    else:
        g.sign_up_counted = True
        sessions.sign_in(user)
        flash(f"Welcome to the community, {user.username}! Tell people a little about yourself.", "success")
        return redirect(url_for("auth.edit_profile", username=user.username))
    return None


def _refused_sign_up(request_limit, reason, invitation=None):
    """The join form again, as typed (passwords are never sent back), saying why and for how long."""
    seconds = ratelimits.seconds_until(request_limit.reset_at)
    message = reason.format(limit=ratelimits.describe_limit(request_limit.limit),
                            wait=ratelimits.describe_wait(seconds))
    page = render_template("auth/register.html", form=RegisterForm(), invitation=invitation, refusal=message)
    return make_response(page, 429, {"Retry-After": str(seconds)})


def accounts_refused(request_limit, invitation=None):
    return _refused_sign_up(request_limit, "New accounts from your address are limited to {limit}, and that "
                            "many have joined from it. Try again in {wait}; what you typed is still here.",
                            invitation)


def attempts_refused(request_limit, invitation=None):
    return _refused_sign_up(request_limit, "Joining is paused for your address: tries are limited to {limit}, "
                            "mistakes included. Try again in {wait}; what you typed is still here.", invitation)


def limit_sign_ups(accounts_breached=accounts_refused, attempts_breached=attempts_refused):
    """Two limits per address on a join form: accounts actually made (SIGNUPS_PER_ADDRESS; mistakes cost
    nothing) and tries of any outcome (SIGNUP_ATTEMPTS_PER_ADDRESS, a looser guard against scripts)."""
    def decorate(view):
        view = limiter.limit(lambda: current_app.config["SIGNUPS_PER_ADDRESS"], methods=["POST"],
                             scope="accounts", deduct_when=_counts_as_sign_up, on_breach=accounts_breached)(view)
        return limiter.limit(lambda: current_app.config["SIGNUP_ATTEMPTS_PER_ADDRESS"], methods=["POST"],
                             scope="attempts", on_breach=attempts_breached)(view)
    return decorate


@bp.before_app_request
def note_last_seen():
    if request.endpoint != "static" and current_user.is_authenticated:
        actions.touch_last_seen(current_user)


# --- signing in and out -------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = actions.authenticate(form.login.data, form.password.data)
        except RateLimited as paused:
            form.password.errors.append(paused.message)
            return (render_template("auth/login.html", form=form), 429,
                    {"Retry-After": str(paused.retry_after)})
        if user is None:
            form.password.errors.append("That username or password is not right.")
        elif not user.is_active:
            form.login.errors.append("This account is suspended.")
        else:
            sessions.sign_in(user, remember=form.remember.data)
            actions.touch_last_seen(user, interval=0)
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    sessions.sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("forum.index"))


@bp.route("/join", methods=["GET", "POST"])
@limit_sign_ups()
def register():
    if current_user.is_authenticated:
        return redirect(url_for("forum.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        joined = finish_sign_up(form, lambda: actions.register_member(form.username.data, form.email.data,
                                                                       form.password.data))
        if joined:
            return joined
    elif form.is_submitted():
        report_every_problem(form)
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


# --- profiles -------------------------------------------------------------------

def _member_or_404(username):
    user = actions.find_member(username)
    if user is None:
        abort(404)
    return user


@bp.route("/u/<username>")
def profile(username):
    user = _member_or_404(username)
    posts = queries.recent_posts(current_user, user)
    return render_template("auth/profile.html", user=user, posts=posts,
                           threads=queries.recent_threads(current_user, user),
                           excerpts={post.id: markup.excerpt(post.body_html, 160) for post in posts})


@bp.route("/me")
@login_required
def me():
    return redirect(url_for("auth.profile", username=current_user.username))


@bp.route("/u/<username>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"])
def edit_profile(username):
    user = _member_or_404(username)
    if not permissions.can_edit_profile(current_user, user):
        abort(403)
    form = ProfileForm()
    if request.method == "GET":
        form.display_name.data = user.display_name
        form.location.data = user.location
        form.bio.data = user.bio_source
        form.interests.data = ", ".join(user.interest_names)
    elif form.validate_on_submit():
        try:
            actions.update_profile(current_user, user, form.display_name.data, form.bio.data,
                                   form.location.data, form.interests.data)
        except Invalid as error:
            form_error(form, error, "bio")
        else:
            flash("Your profile is saved." if user.id == current_user.id else "The profile is saved.", "success")
            return redirect(url_for("auth.profile", username=user.username))
    return render_template("auth/edit_profile.html", form=form, user=user), 400 if form.errors else 200


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
        try:
            user = actions.change_password(current_user._get_current_object(), form.current_password.data,
                                           form.new_password.data)
        except Invalid as error:
            form_error(form, error, "new_password")
        else:
            # Every device of the member was signed out, this one too; it starts a new session.
            sessions.sign_in(user, remember=remembered)
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.profile", username=user.username))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


# --- signed-in devices ----------------------------------------------------------------

@bp.route("/settings/devices")
@login_required
def devices():
    return render_template("auth/devices.html", devices=sessions.devices(current_user),
                           this_device=sessions.this_device_id(), label=sessions.device_label, form=SignOutForm())


@bp.route("/settings/devices/<int:device_id>/sign-out", methods=["POST"])
@login_required
def sign_out_device(device_id):
    if not SignOutForm().validate_on_submit():
        abort(400)
    if device_id == sessions.this_device_id():
        sessions.sign_out()
        flash("You are signed out on this device.", "info")
        return redirect(url_for("forum.index"))
    if sessions.end_device(current_user, device_id):
        flash("That device is signed out.", "success")
    else:
        flash("That device was signed out already.", "info")
    return redirect(url_for("auth.devices"))


@bp.route("/settings/devices/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    if not SignOutForm().validate_on_submit():
        abort(400)
    sessions.end_everywhere(current_user._get_current_object())
    commit()
    sessions.sign_out()
    flash("You are signed out on every device, this one too.", "success")
    return redirect(url_for("auth.login"))


# --- forgotten passwords -------------------------------------------------------------

@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_REQUESTS_PER_IP"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_password_reset(form.login.data)
        # The same answer whether or not an account matched: the form must not reveal who is a member.
        return redirect(url_for("auth.reset_requested"))
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200


@bp.route("/password/forgot/sent")
def reset_requested():
    return render_template("auth/reset_requested.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_password(token):
    try:
        user = reset.account_for_token(token)
    except reset.ResetLinkInvalid as error:
        return render_template("auth/reset_invalid.html", message=error.message,
                               form=ForgotPasswordForm()), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = reset.reset_password(token, form.password.data)
        except reset.ResetLinkInvalid as error:  # used in another tab between the page and the submit
            return render_template("auth/reset_invalid.html", message=error.message,
                                   form=ForgotPasswordForm()), 400
        except Invalid as error:
            form_error(form, error, "password")
        else:
            sessions.sign_out()
            sessions.sign_in(user)
            actions.touch_last_seen(user, interval=0)
            flash("Your new password is set and you are signed in. Every other device has been signed out.",
                  "success")
            return redirect(url_for("forum.index"))
    return render_template("auth/reset_password.html", form=form, user=user), 400 if form.errors else 200


# --- the member directory -----------------------------------------------------------

@bp.route("/members")
def members():
    interest = request.args.get("interest", "")[:40]
    query = request.args.get("q", "")[:60]
    people = queries.member_directory(interest, query, _page(), current_app.config["MEMBERS_PER_PAGE"])
    return render_template("auth/members.html", people=people, interest=interest.strip().lower(),
                           query=query.strip(), chips=queries.popular_interests())


# --- roles ------------------------------------------------------------------------

@bp.route("/u/<username>/role", methods=["GET", "POST"])
@permissions.admin_required
def change_role(username):
    user = _member_or_404(username)
    form = RoleForm()
    if request.method == "GET":
        form.role.data = user.role
    elif form.validate_on_submit():
        try:
            actions.change_role(current_user, user, form.role.data, form.reason.data)
        except Invalid as error:
            form_error(form, error, "role")
        else:
            flash(f"{user.username} is now {user.role_label.lower()}.", "success")
            return redirect(url_for("auth.profile", username=user.username))
    return render_template("auth/role.html", form=form, user=user), 400 if form.errors else 200
