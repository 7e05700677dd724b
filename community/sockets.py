"""What every Socket.IO namespace shares: login-session authentication and error replies."""
from functools import wraps

from flask import current_app
from flask_login import current_user
from flask_socketio import disconnect, emit

from .database import rollback
from .errors import CommunityError


def refuse_anonymous():
    """Call first in on_connect: only signed-in, active members get a socket."""
    if not current_user.is_authenticated or not current_user.is_active:
        raise ConnectionRefusedError("Sign in to use live features.")


def error_reply(code, message, **extra):
    return {"ok": False, "error": {"code": code, "message": message, **extra}}


def socket_event(handler):
    """Wrap an event handler: re-check the session, turn domain errors into an error ack and
    an `error` event, and never let an exception trace reach the client."""

    @wraps(handler)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_active:
            reply = error_reply("unauthenticated", "Your session has ended; sign in again.")
            emit("error", reply["error"])
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
        emit("error", reply["error"])
        return reply

    return wrapped
