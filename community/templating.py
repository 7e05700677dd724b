"""Jinja filters shared by every area's templates."""
from markupsafe import Markup

from .i18n import format_date_time, format_duration, format_full_date, format_moment, format_relative, iso_utc

TIME_ELEMENT = '<time datetime="{0}" title="{1}" data-relative="{2}">{3}</time>'


def timeago(value, now=None):
    """'3 hours ago' or 'in 1 hour', said by the server: only for pages that are never stored."""
    if value is None:
        return ""
    return format_relative(value, now)


def time_tag(value, with_date=False):
    """A <time> element that depends on the datetime alone, so a stored page never goes stale.

    It reads as a date ('2 Dec 2026, 05:20') with the full date in its title; static/js/times.js redraws it
    in the reader's browser as '3 hours ago' or 'in 1 hour'. with_date=True is for deadlines in a sentence:
    the date stays, naming its zone, and the browser adds the time left ('2 Dec 2026, 05:20 UTC (in 1 hour)')."""
    if value is None:
        return ""
    if with_date:
        return Markup(TIME_ELEMENT).format(iso_utc(value), format_full_date(value), "with-date", format_moment(value))
    return Markup(TIME_ELEMENT).format(iso_utc(value), format_full_date(value), "", format_date_time(value))


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
    app.jinja_env.filters.update(timeago=timeago, iso=iso_utc, time_tag=time_tag, compact=compact_number,
                                 duration=format_duration)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
