"""Logging configured in one place: the handler, its format, and one line per request with a request id.

The request line is written by a WSGI layer outside everything else (stored visitor pages, Socket.IO's
middleware and Flask), so a page answered before Flask runs is logged like any other, at the price of one
logger call with lazy %-formatting. Flask adds what only it knows through the WSGI environ: the signed-in
member, and the path with secrets (an invitation or reset token) replaced by their route placeholder. It writes
them into a dict the request log put in the environ: layers in between (Flask-SocketIO's) pass a copy of the
environ on, and a copy shares the dict.

Level and format come from LOG_LEVEL and LOG_FORMAT (text or json). Every record written while a request is
handled carries that request's id: the incoming X-Request-ID (nginx sends its $request_id, and sends it back to
the browser) when it looks like one, else a new one. The app's responses do not carry it: a stored page's
headers are the same bytes for every visitor.
"""
import contextvars
import itertools
import json
import logging
import os
import re
import sys
import time
import traceback

from flask import request
from flask_login import current_user

from .config import ConfigurationError

REQUEST_LOGGER = "tummler.requests"
# The text format; %(request_id)s is "-" outside requests.
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# The request line: method, path, status, milliseconds, member id ("-" for visitors), client address.
REQUEST_LINE = "%s %s %s %.1fms member=%s addr=%s"
# A request id from outside is kept only when it cannot disturb a log line.
INCOMING_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# View arguments that are credentials: logged by name, never by value.
SECRET_VIEW_ARGS = frozenset({"token"})
# Load balancers ask for /healthz every few seconds: its successes are logged at DEBUG, failures as usual.
QUIET_PATHS = frozenset({"/healthz"})

_request_id = contextvars.ContextVar("tummler_request_id", default=None)
log = logging.getLogger(REQUEST_LOGGER)


class RequestIdFilter(logging.Filter):
    """Gives every record the current request's id (or "-")."""

    def filter(self, record):
        record.request_id = _request_id.get() or "-"
        return True


class TextFormatter(logging.Formatter):
    """The standard text format, with the date and time formatted once per second instead of per record."""

    _second, _stamp = None, ""

    def formatTime(self, record, datefmt=None):
        second = int(record.created)
        if second != self._second:  # formatting runs under the handler's lock: one thread at a time
            self._second, self._stamp = second, time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second))
        return f"{self._stamp},{int(record.msecs):03d}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line; request lines carry their fields by name."""

    def format(self, record):
        request_id = getattr(record, "request_id", "-")
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "request_id": None if request_id == "-" else request_id,
            "message": record.getMessage(),
        }
        if record.name == REQUEST_LOGGER and isinstance(record.args, tuple) and len(record.args) == 6:
            method, path, status, duration_ms, member, address = record.args
            entry.update(method=method, path=path, status=status, duration_ms=round(duration_ms, 1),
                         member_id=None if member == "-" else member, remote_addr=address)
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, default=str)


def make_handler(stream=None, log_format="text"):
    """A stream handler in the chosen format that stamps records with the request id."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    handler.tummler = True  # ours: replaced, never stacked, when another app is created in this process
    return handler


def configure_logging(app):
    """Root handler, level and format from the config; called first in create_app. Tests keep pytest's capture."""
    level = app.config.get("LOG_LEVEL", "INFO")
    log_format = app.config.get("LOG_FORMAT", "text")
    if log_format not in ("text", "json"):
        raise ConfigurationError(f"LOG_FORMAT={log_format!r} is not a log format: use text or json.")
    if logging.getLevelName(level) == f"Level {level}":
        raise ConfigurationError(f"LOG_LEVEL={level!r} is not a log level: use DEBUG, INFO, WARNING or ERROR.")
    if app.testing:
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "tummler", False)]:
        root.removeHandler(handler)
    root.addHandler(make_handler(log_format=log_format))
    root.setLevel(level)
    # The development server's own request lines would repeat ours.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.logger.setLevel(logging.NOTSET)  # Flask's logger (tracebacks of 5xx) writes through the root handler


def init_app(app):
    """Flask's part: tell the request line who was signed in and which path to print; redact tracebacks' paths."""

    @app.after_request
    def describe_request_for_log(response):
        details = request.environ.get("tummler.log")
        if details is None:
            return response  # a request from outside the request log (a test building its own environ)
        if current_user and current_user.is_authenticated:
            details["member"] = current_user.id
        if request.view_args and not SECRET_VIEW_ARGS.isdisjoint(request.view_args):
            details["path"] = loggable_path()
        return response

    def log_exception(exc_info):
        # Flask's own message names request.path, which may hold a token; this names its route instead.
        app.logger.error("Exception on %s [%s]", loggable_path(), request.method, exc_info=exc_info)

    app.log_exception = log_exception


def loggable_path():
    """The request's path with credential view arguments shown as their placeholder (/invite/<token>)."""
    if request.url_rule is None or not request.view_args or SECRET_VIEW_ARGS.isdisjoint(request.view_args):
        return request.path
    path = request.path
    for name in SECRET_VIEW_ARGS.intersection(request.view_args):
        path = path.replace(str(request.view_args[name]), f"<{name}>")
    return path


class _RequestIds:
    """New request ids: 32 hex digits like nginx's, a random prefix per process and a counter (a fraction of
    uuid4's cost); a forked child draws its own prefix."""

    def __init__(self):
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self):
        self.prefix, self.counter = os.urandom(8).hex(), itertools.count()

    def new(self):
        return f"{self.prefix}{next(self.counter):016x}"


_new_ids = _RequestIds()


class RequestLog:
    """WSGI middleware, outermost: a request id for every request and one log line when its response is done."""

    def __init__(self, wsgi_app, propagate=False):
        self.wsgi_app = wsgi_app
        self.propagate = propagate  # tests: Flask lets exceptions through to the test client; so does this

    def __call__(self, environ, start_response):
        incoming = environ.get("HTTP_X_REQUEST_ID")
        request_id = incoming if incoming and INCOMING_ID.fullmatch(incoming) else _new_ids.new()
        environ["tummler.log"] = {}  # Flask's after_request adds the member and a path safe to log
        _request_id.set(request_id)
        started = time.perf_counter()
        answered = []

        def start(status, headers, exc_info=None):
            answered[:] = [status]
            return start_response(status, headers, exc_info)

        try:
            body = self.wsgi_app(environ, start)
        except StopIteration:
            # A websocket served under gunicorn: the connection has closed and gunicorn is told so this way.
            answered[:] = answered or ["101 Switching Protocols"]
            _log_request(environ, answered, started)
            raise
        except Exception:
            if self.propagate:
                raise
            # Only the layers in front of Flask get here (Flask answers its own errors with a 500 page).
            log.exception("Unhandled error in front of the app on %s %s", environ.get("REQUEST_METHOD"),
                          environ.get("PATH_INFO"))
            if answered:
                raise
            start_response("500 Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")],
                           sys.exc_info())
            answered[:] = ["500 Internal Server Error"]
            body = [b"Internal Server Error\n"]
        if isinstance(body, list):
            _log_request(environ, answered, started)
            return body
        return _LoggedBody(body, environ, answered, started)


class _LoggedBody:
    """A streamed response: logged when the server closes it, so the duration covers sending it."""

    __slots__ = ("body", "environ", "answered", "started")

    def __init__(self, body, environ, answered, started):
        self.body, self.environ, self.answered, self.started = body, environ, answered, started

    def __iter__(self):
        return iter(self.body)

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            _log_request(self.environ, self.answered, self.started)


def _log_request(environ, answered, started):
    status = int(answered[0][:3]) if answered else 0  # 0: the client went away before an answer
    details = environ["tummler.log"]
    path = details.get("path") or environ.get("PATH_INFO", "")
    if status >= 500:
        level = logging.ERROR
    elif path in QUIET_PATHS:
        level = logging.DEBUG
    else:
        level = logging.INFO
    if log.isEnabledFor(level):
        # makeRecord and handle rather than log.log: the caller's file and line (a walk up the stack) say
        # nothing about a request line.
        log.handle(log.makeRecord(REQUEST_LOGGER, level, __file__, 0, REQUEST_LINE, (
            environ.get("REQUEST_METHOD"), path, status, (time.perf_counter() - started) * 1000,
            details.get("member", "-"), environ.get("REMOTE_ADDR") or "-"), None))
    _request_id.set(None)


def wrap_app(app):
    """Put the request log outside every other WSGI layer; call after the last of them is added."""
    app.wsgi_app = RequestLog(app.wsgi_app, propagate=app.testing or bool(app.config.get("PROPAGATE_EXCEPTIONS")))
