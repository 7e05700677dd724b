"""The per-member chat rate limit: a moving window kept in Redis when REDIS_URL is set, so every
server process counts the same messages; in process memory otherwise."""
import math
import time
from functools import lru_cache

from flask import current_app
from limits import parse as _parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import RateLimited


# Parsed once per limit text rather than for every message (the parsed item is immutable).
parse = lru_cache(maxsize=8)(_parse)


def _limiter(app):
    limiter = app.extensions.get("chat_rate_limiter")
    if limiter is None:
        uri = app.config.get("CHAT_RATE_LIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
        limiter = MovingWindowRateLimiter(storage_from_string(uri))
        app.extensions["chat_rate_limiter"] = limiter
    return limiter


def check_message_rate(user):
    """Count one message for user; raise RateLimited, with seconds to wait, past the limit."""
    app = current_app._get_current_object()
    item = parse(app.config["CHAT_RATE_LIMIT"])
    limiter = _limiter(app)
    if limiter.hit(item, "chat-message", str(user.id)):
        return
    stats = limiter.get_window_stats(item, "chat-message", str(user.id))
    wait = max(1, math.ceil(stats.reset_time - time.time()))
    raise RateLimited(f"You are sending messages too quickly: at most {item.amount} every "
                      f"{item.get_expiry()} seconds. Try again in {wait} s.", retry_after=wait)
