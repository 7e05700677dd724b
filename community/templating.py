"""Jinja filters shared by every area's templates."""
from datetime import datetime

from markupsafe import Markup

from .database import utcnow


def timeago(value, now=None):
    """'3 hours ago' for a naive UTC datetime."""
    if value is None:
        return ""
    seconds = int(((now or utcnow()) - value).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("year", 31536000), ("month", 2592000), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, datetime) else ""


def time_tag(value):
    """A <time> element: machine-readable date, human-readable age, full date on hover."""
    if value is None:
        return ""
    return Markup('<time datetime="{0}" title="{1}">{2}</time>').format(
        iso(value), value.strftime("%Y-%m-%d %H:%M UTC"), timeago(value)
    )


def compact_number(value):
    value = value or 0
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value // 1000}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return str(value)


def register_filters(app):
    app.jinja_env.filters.update(timeago=timeago, iso=iso, time_tag=time_tag, compact=compact_number)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
