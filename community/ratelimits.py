"""Whom a rate limit counts against, and how long someone it refused must wait, in words and in seconds."""
import math
import time

from babel.lists import format_list
from babel.units import format_unit
from flask import current_app, request
from flask_login import current_user


def member_key(user):
    """A signed-in member's bucket, wherever they connect from: one office NAT or one proxy is many people."""
    return f"user:{user.id}"


def request_key():
    """The key every HTTP rate limit counts against: the member when signed in, else the client's address.

    The address is REMOTE_ADDR as ProxyFix leaves it: the real client's behind as many proxies as
    PROXY_FIX_X_FOR trusts, the connecting peer's otherwise (a forged X-Forwarded-For changes nothing)."""
    if current_user and current_user.is_authenticated:
        return member_key(current_user)
    return f"ip:{request.remote_addr or 'unknown'}"


def seconds_until(reset_at):
    """Whole seconds until a limit's reset_at, as Flask-Limiter computes Retry-After (reset_at is rounded up
    already), and at least 1: a refusal never says "try again in 0 seconds"."""
    return max(1, int(reset_at - time.time()))


def describe_wait(seconds):
    """'42 minutes', '1 hour and 5 minutes', '30 seconds': never shorter than the real wait."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 90:
        return _unit(seconds, "second")
    minutes = math.ceil(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    parts = ([_unit(hours, "hour")] if hours else []) + ([_unit(minutes, "minute")] if minutes else [])
    return format_list(parts, locale=_locale())


def describe_limit(item):
    """A limits RateLimitItem in words: '5 in 1 hour', '10 in 1 minute'."""
    return f"{item.amount} in {_unit(item.multiples, item.GRANULARITY.name)}"


def _unit(value, name):
    return format_unit(value, f"duration-{name}", length="long", locale=_locale())


def _locale():
    return current_app.config.get("BABEL_DEFAULT_LOCALE") or "en"


def describe_refusal(error, request_limit=None):
    """What a 429 page says: the wait in seconds and in words, and the limit in words when one refused.

    request_limit is Flask-Limiter's current limit (its reset time is what Retry-After is computed from);
    an action's RateLimited carries its own retry_after."""
    seconds, limit = getattr(error, "retry_after", None), None
    if request_limit is not None and request_limit.breached:
        seconds, limit = seconds_until(request_limit.reset_at), describe_limit(request_limit.limit)
    return {"retry_after": seconds, "wait": describe_wait(seconds) if seconds else None, "limit": limit}


def retry_after_header(refusal):
    """{'Retry-After': seconds} for a response refusing with describe_refusal's wait; {} when it gives none."""
    return {"Retry-After": str(refusal["retry_after"])} if refusal.get("retry_after") else {}
