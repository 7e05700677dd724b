"""The per-member chat rate limit: a moving window kept in Redis when REDIS_URL is set, so every
server process counts the same messages; in process memory otherwise."""
import math
import threading
import time
from collections import deque, namedtuple
from functools import lru_cache

from flask import current_app
from limits import parse as _parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import RateLimited
from ..i18n import format_duration, format_wait, ngettext
from ..ratelimits import member_key


# Parsed once per limit text rather than for every message (the parsed item is immutable).
parse = lru_cache(maxsize=8)(_parse)


WindowStats = namedtuple("WindowStats", "reset_time remaining")


class ProcessMovingWindow:
    """The same moving window as limits' MovingWindowRateLimiter on memory://, for one process: a deque
    of hit times per key, without that storage's locking and expiry bookkeeping on every message."""

    def __init__(self):
        self._lock = threading.Lock()
        self._hits = {}
        self._calls = 0

    def _window(self, item, identifiers, now):
        hits = self._hits.setdefault((item.key_for(*identifiers)), deque())
        while hits and hits[0] < now - item.get_expiry():  # as limits does: in the window while age <= expiry
            hits.popleft()
        return hits

    def hit(self, item, *identifiers):
        now = time.time()
        with self._lock:
            self._calls += 1
            if self._calls % 10000 == 0:  # forget members whose window has emptied
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - 3600}
            hits = self._window(item, identifiers, now)
            if len(hits) >= item.amount:
                return False
            hits.append(now)
            return True

    def get_window_stats(self, item, *identifiers):
        now = time.time()
        with self._lock:
            hits = self._window(item, identifiers, now)
            reset = hits[0] + item.get_expiry() if hits else now
            return WindowStats(reset, item.amount - len(hits))


def _limiter(app):
    limiter = app.extensions.get("chat_rate_limiter")
    if limiter is None:
        uri = app.config.get("CHAT_RATE_LIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
        limiter = (ProcessMovingWindow() if uri == "memory://"
                   else MovingWindowRateLimiter(storage_from_string(uri)))
        app.extensions["chat_rate_limiter"] = limiter
    return limiter


def check_message_rate(user):
    """Count one message for user; raise RateLimited, with seconds to wait, past the limit."""
    app = current_app._get_current_object()
    item = parse(app.config["CHAT_RATE_LIMIT"])
    limiter, key = _limiter(app), member_key(user)
    if limiter.hit(item, "chat-message", key):
        return
    stats = limiter.get_window_stats(item, "chat-message", key)
    wait = max(1, math.ceil(stats.reset_time - time.time()))
    at_most = ngettext("%(num)d message", "%(num)d messages", item.amount)
    raise RateLimited(f"You are sending messages too quickly: at most {at_most} every "
                      f"{format_duration(item.get_expiry())}. Try again in {format_wait(wait)}.", retry_after=wait)
