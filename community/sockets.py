"""What every Socket.IO namespace shares: login-session authentication and error replies."""
import copy
import threading
import time
from collections import OrderedDict
from functools import wraps

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_socketio import disconnect
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .auth.models import User
from . import realtime
from .database import attach_loaded, column_values, rollback
from .errors import CommunityError

# A socket keeps its member's row (as of the last load) in its own environ, so a chat flood does not
# load the user from the database for every event. Any change to the row committed through this
# process (silencing, suspension, role, a password change or "sign out everywhere" drawing a new
# session_token) makes the next event load it again; changes made by another server process, and a
# device signed out (its session row deleted), are seen within this many seconds.
USER_RECHECK_SECONDS = 2.0
_ENVIRON_KEY = "tummler.socket_user"
_SESSION_KEY = "tummler.socket_session"
_changes = {}  # user id -> how many times this process saw the row change


def _bump(user_id):
    _changes[user_id] = _changes.get(user_id, 0) + 1


def _user_changed(mapper, connection, target):
    _bump(target.id)
    changed = inspect(target).session
    if changed is not None:
        changed.info.setdefault("socket_users_changed", set()).add(target.id)


def _committed(session_):
    # Bumped again after commit: a socket that reloaded between the flush and the commit saw the old row.
    for user_id in session_.info.pop("socket_users_changed", ()):
        _bump(user_id)


def _register_listeners():
    for target, name, fn in ((User, "after_update", _user_changed), (User, "after_delete", _user_changed),
                             (Session, "after_commit", _committed)):
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


_register_listeners()


class SocketSessionInterface(SecureCookieSessionInterface):
    """The signed session cookie, verified and decoded once per socket (and once per few seconds for pages)
    rather than on every event and request.

    Every Socket.IO event runs in a request context built from the socket's opening request, so Flask
    would check the signature of the same cookie again for each chat message. The socket keeps the
    decoded values in its environ and each event gets its own copy; the cookie is verified again after
    USER_RECHECK_SECONDS, so one that expires still ends the session. Page requests share a small table of
    cookies verified in the last USER_RECHECK_SECONDS: a member's stored page costs less than checking the
    signature would (forum/member_pages.py)."""

    def __init__(self):
        self._verified = OrderedDict()  # cookie value -> (verified at, decoded values)
        self._lock = threading.Lock()

    def open_session(self, app, request):
        environ = request.environ
        if not environ.get("PATH_INFO", "").startswith("/socket.io"):
            return self._open_page_session(app, request)
        cookie, now = environ.get("HTTP_COOKIE"), time.monotonic()
        cached = environ.get(_SESSION_KEY)
        if cached is not None and cached[0] == cookie and now - cached[1] < USER_RECHECK_SECONDS:
            return self.session_class(cached[2])
        opened = super().open_session(app, request)
        if opened is not None:
            environ[_SESSION_KEY] = (cookie, now, dict(opened))
        return opened


    def _open_page_session(self, app, request):
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return super().open_session(app, request)
        now = time.monotonic()
        with self._lock:
            cached = self._verified.get(cookie)
        if cached is not None and now - cached[0] < USER_RECHECK_SECONDS:
            return self.session_class(copy.deepcopy(cached[1]))  # flashes are lists a request may append to
        opened = super().open_session(app, request)
        if opened is not None and opened:  # a cookie that failed verification opens an empty session
            with self._lock:
                self._verified[cookie] = (now, copy.deepcopy(dict(opened)))
                while len(self._verified) > 10_000:
                    self._verified.popitem(last=False)
        return opened


def init_app(app):
    """Socket events share their socket's decoded session cookie (see SocketSessionInterface)."""
    app.session_interface = SocketSessionInterface()


def _remember_user():
    """Keep the signed-in member's column values for this socket (called right after a load)."""
    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False) or not isinstance(user, User):
        request.environ.pop(_ENVIRON_KEY, None)
        return
    values = column_values(user)
    request.environ[_ENVIRON_KEY] = (session.get("_user_id"), user.id, values, g.socket_user_generation,
                                     time.monotonic())


def _use_remembered_user():
    """Put this socket's remembered member in place of Flask-Login's per-event load, if still current.
    Returns True when it did; otherwise the caller loads as usual and remembers the result."""
    if "_login_user" in g:
        return True
    entry = request.environ.get(_ENVIRON_KEY)
    if entry is not None:
        session_id, user_id, values, generation, loaded_at = entry
        if (session_id == session.get("_user_id") and generation == _changes.get(user_id, 0)
                and time.monotonic() - loaded_at < USER_RECHECK_SECONDS):
            g._login_user = attach_loaded(User, values)
            return True
    g.socket_user_generation = _changes.get(_user_id_in_session(), 0)
    return False


def _user_id_in_session():
    user_id = (session.get("_user_id") or "").partition(":")[0]
    return int(user_id) if user_id.isdigit() else None


def signed_in_member():
    """current_user for a socket event, through this socket's remembered row when it is still current."""
    if not _use_remembered_user():
        current_user._get_current_object()
        _remember_user()
    return current_user


def refuse_anonymous():
    """Call first in on_connect: only signed-in, active members get a socket."""
    user = signed_in_member()
    if not user.is_authenticated or not user.is_active:
        raise ConnectionRefusedError("Sign in to use live features.")


def error_reply(code, message, **extra):
    return {"ok": False, "error": {"code": code, "message": message, **extra}}


def socket_event(handler):
    """Wrap an event handler: re-check the session, turn domain errors into an error ack and
    an `error` event, and never let an exception trace reach the client."""

    @wraps(handler)
    def wrapped(*args, **kwargs):
        user = signed_in_member()
        if not user.is_authenticated or not user.is_active:
            reply = error_reply("unauthenticated", "Your session has ended; sign in again.")
            realtime.error_to_sender(reply["error"])
            disconnect()
            return reply
        try:
            return handler(*args, **kwargs)
        except CommunityError as problem:
            rollback()
            code = type(problem).__name__.lower()
            extra = {"retry_after": problem.retry_after} if getattr(problem, "retry_after", None) else {}
            reply = error_reply(code, problem.message, **extra)
        except (TypeError, ValueError, KeyError, AttributeError) as problem:
            rollback()
            current_app.logger.info("bad socket payload for %s: %s", handler.__name__, problem)
            reply = error_reply("invalid", "That request was not understood.")
        realtime.error_to_sender(reply["error"])
        return reply

    return wrapped
