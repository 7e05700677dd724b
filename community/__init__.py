"""Tummler: a customer community forum. create_app wires every part in one visible place."""
import os
from pathlib import Path

from flask import Flask, render_template, request
from flask.globals import request_ctx
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from . import logs, permissions, ratelimits
from .config import DevelopmentConfig, config_from_environment, database_url, load_secret_key, require_secret_key
from .errors import CommunityError
from .extensions import babel, csrf, db, limiter, login_manager, mail, migrate, socketio


def create_app(config=None):
    """Build the app; config is a Config class, a mapping of overrides (tests), or None for the one TUMMLER_CONFIG
    names (production unless it says development). Raises ConfigurationError, whose message is one line for
    the operator, when the environment cannot work (production without a SECRET_KEY)."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
        instance_path=os.environ.get("INSTANCE_PATH") or str(Path(__file__).resolve().parent.parent / "instance"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if config is None or isinstance(config, type):
        app.config.from_object(config or config_from_environment())
    else:
        app.config.from_object(DevelopmentConfig)
        app.config.update(config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.instance_path)
    require_secret_key(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)
    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = str(Path(app.instance_path) / "search-index")

    logs.configure_logging(app)  # first: whatever the steps below log goes through it

    register_extensions(app)
    register_blueprints(app)
    register_socket_namespaces(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_commands(app)
    register_jobs(app)
    register_listeners(app)
    # WSGI layers, innermost first: Flask, Socket.IO's (register_extensions), stored pages, the request log,
    # the proxy fix (so the log sees the client's own address).
    register_stored_pages(app)
    register_request_log(app)
    register_proxy_fix(app)
    return app


def register_extensions(app):
    from . import jobs, sockets
    from .database import use_sqlite_write_ahead_log
    from .forum import cache, member_pages, page_reads, skeleton, viewcounts

    use_sqlite_write_ahead_log()
    db.init_app(app)
    page_reads.init_app(app)
    cache.init_app(app)
    viewcounts.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app)  # BABEL_DEFAULT_LOCALE and BABEL_DEFAULT_TIMEZONE from the config
    skeleton.init_app(app)  # after CSRFProtect: its csrf_token template global becomes a member's own value
    member_pages.init_app(app)  # first of the request hooks: members' stored pages need none of the others
    limiter.init_app(app)
    mail.init_app(app)
    jobs.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config.get("REDIS_URL"),
        channel=app.config["SOCKETIO_CHANNEL"],
        cors_allowed_origins=app.config["SOCKETIO_CORS_ALLOWED_ORIGINS"],
        manage_session=False,  # the Flask session cookie stays the one source of the login
    )
    sockets.init_app(app)  # ...decoded once per socket, not per event

    from . import models  # noqa: F401  (registers every table on the metadata)
    from .auth.sessions import member_for_session

    # The per-request sign-in check: a device session row, one indexed lookup (auth/sessions.py).
    login_manager.user_loader(member_for_session)


def register_blueprints(app):
    from .auth.invitation_views import bp as invitations_bp
    from .auth.views import bp as auth_bp
    from .chat.views import bp as chat_bp
    from .forum.views import bp as forum_bp
    from .health.views import bp as health_bp
    from .hosting.views import bp as hosting_bp
    from .ideas.views import bp as ideas_bp
    from .jobs.views import bp as jobs_bp
    from .moderation.views import bp as moderation_bp
    from .notifications.views import bp as notifications_bp
    from .search.views import bp as search_bp

    for blueprint in (forum_bp, search_bp, auth_bp, invitations_bp, chat_bp, notifications_bp, ideas_bp,
                      hosting_bp, moderation_bp, jobs_bp, health_bp):
        app.register_blueprint(blueprint)


def register_socket_namespaces(app):
    """Socket.IO namespaces, registered by name like blueprints."""
    from .chat.events import ChatNamespace
    from .notifications.events import LiveNamespace

    socketio.on_namespace(LiveNamespace("/live"))
    socketio.on_namespace(ChatNamespace("/chat"))


def register_errorhandlers(app):
    def render_error(error):
        if getattr(error, "response", None) is not None:
            return error.response  # a refusal that answers with its own page (a join form keeps what was typed)
        code = getattr(error, "code", 500) or 500
        refusal = ratelimits.describe_refusal(error, limiter.current_limit) if code == 429 else {}
        headers = ratelimits.retry_after_header(refusal)
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return {"error": getattr(error, "description", str(error))}, code, headers
        if request_ctx.url_adapter is None:
            # Flask refused the Host header (TRUSTED_HOSTS) before it could build URLs for this request. The
            # page links by path only, so URLs built for a placeholder host are right and name no host.
            request_ctx.url_adapter = app.url_map.bind("host.invalid", script_name=request.script_root,
                                                       url_scheme=request.scheme)
        return render_template("errors/error.html", error=error, code=code, **refusal), code, headers

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)

    @app.errorhandler(CommunityError)
    def community_error(error):
        refusal = ratelimits.describe_refusal(error) if error.status_code == 429 else {}
        headers = ratelimits.retry_after_header(refusal)
        if request.path.startswith("/api/"):
            return {"error": error.message}, error.status_code, headers
        return (render_template("errors/error.html", error=error, code=error.status_code, **refusal),
                error.status_code, headers)


def register_template_helpers(app):
    from . import static_files
    from .templating import register_filters

    register_filters(app)
    static_files.init_app(app)  # url_for('static', ...) carries the file's content version

    @app.context_processor
    def inject_globals():
        return {"can": permissions.template_rules, "site_name": app.config["SITE_NAME"]}


def register_security_headers(app):
    csp = "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])
    # Served over HTTPS (secure cookies configured): tell browsers never to fall back to plain HTTP.
    hsts = bool(app.config.get("SESSION_COOKIE_SECURE"))

    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response


def register_commands(app):
    from .auth.cli import users_cli
    from .demo.cli import demo_cli
    from .forum.cli import markup_cli
    from .ideas.cli import ideas_cli
    from .jobs.cli import jobs_cli
    from .search.cli import search_cli

    for command in (users_cli, demo_cli, markup_cli, search_cli, ideas_cli, jobs_cli):
        app.cli.add_command(command)


def register_request_log(app):
    """One log line per request, stored pages and Socket.IO included (community/logs.py): outside every layer
    but the proxy fix."""
    logs.init_app(app)
    logs.wrap_app(app)


def register_proxy_fix(app):
    """Outermost of all: behind PROXY_FIX_X_FOR (-PROTO, -HOST) trusted proxies, every layer inside, stored
    pages, Socket.IO and Flask, sees the client's own address, scheme and host (rate limits key on the address)."""
    hops = {name: app.config.get(f"PROXY_FIX_{name.upper()}", 0) for name in ("x_for", "x_proto", "x_host")}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)


def register_stored_pages(app):
    """Visitors' stored pages are answered in front of the finished app (forum/stored_pages.py)."""
    from .forum import stored_pages

    stored_pages.init_app(app)


def register_jobs(app):
    """Every kind of background job, by name: the worker runs a job by looking its kind up here."""
    from .auth.invitations import INVITATION_MAIL
    from .auth.mail import FAILED_SIGN_INS_MAIL, PASSWORD_CHANGED_MAIL
    from .auth.reset import PASSWORD_RESET_MAIL
    from .notifications.receivers import POST_NOTIFICATIONS
    from .search.saved import SAVED_SEARCH_MATCHES

    app.extensions["jobs"].register(INVITATION_MAIL, PASSWORD_RESET_MAIL, PASSWORD_CHANGED_MAIL, FAILED_SIGN_INS_MAIL,
                                    POST_NOTIFICATIONS, SAVED_SEARCH_MATCHES)


def register_listeners(app):
    """Areas that listen to domain events connect their receivers here."""
    from .hosting.live import connect_receivers as connect_floor_receivers
    from .ideas.actions import connect_receivers as connect_ideas_receivers
    from .moderation.flags import connect_receivers as connect_moderation_receivers
    from .notifications.receivers import connect_receivers as connect_notification_receivers
    from .search.indexer import start_in_process_indexer
    from .search.outbox import register_outbox_listener

    register_outbox_listener()  # search outbox rows are written in the same transaction as the change
    start_in_process_indexer(app)
    connect_notification_receivers()
    connect_ideas_receivers()  # a new feature request starts with its author's vote
    connect_moderation_receivers()  # watched "flag" words raise a flag on new and edited posts
    connect_floor_receivers()  # staff with the floor open hear when its items change
