"""Dates, durations and plurals in the reader's words: Babel through Flask-Babel, never by hand.

Templates pluralise with the i18n extension Flask-Babel installs (`ngettext("%(num)d reply", "%(num)d
replies", n)`); Python text uses `gettext`/`ngettext` from here. Dates are shown in UTC, the zone the
database keeps, and name it.
"""
import math
from datetime import datetime

from babel.units import format_unit
from flask_babel import format_datetime, format_timedelta, get_locale, gettext, ngettext

from .database import utcnow

__all__ = ["gettext", "ngettext", "format_moment", "format_date_time", "format_full_date", "format_relative",
           "format_duration", "format_wait", "in_duration", "iso_utc"]

# "2 Dec 2026, 05:20": short enough for a listing, unambiguous about day and month in every region.
SHORT_DATE_TIME = "d MMM y, HH:mm"
# "Wednesday 2 December 2026, 05:20 UTC": the full date for a title or a sentence.
FULL_DATE_TIME = "EEEE d MMMM y, HH:mm z"
# "2 Dec 2026, 05:20 UTC": a moment written in a sentence, where no tooltip can name the zone.
MOMENT = "d MMM y, HH:mm z"

# Largest first: a duration is said in the largest unit that measures it exactly ("1 week", "90 minutes").
EXACT_UNITS = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def iso_utc(value):
    """ISO 8601 in UTC with a Z, the form browsers parse everywhere: 2026-12-02T05:20:00Z."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, datetime) else ""


def format_date_time(value):
    """'2 Dec 2026, 05:20' (UTC)."""
    return format_datetime(value, SHORT_DATE_TIME)


def format_full_date(value):
    """'Wednesday 2 December 2026, 05:20 UTC'."""
    return format_datetime(value, FULL_DATE_TIME)


def format_moment(value):
    """'2 Dec 2026, 05:20 UTC': a point in time inside a sentence or a notification."""
    return format_datetime(value, MOMENT)


def format_relative(value, now=None):
    """'3 hours ago' or 'in 1 hour' for a naive UTC datetime, as seen at `now`."""
    return format_timedelta(value - (now or utcnow()), add_direction=True)


def in_duration(delta):
    """'in 1 hour', 'in 3 days' for a timedelta ahead (a close timer, a notice's deadline)."""
    return format_timedelta(delta, add_direction=True)


def format_duration(seconds):
    """An exact length of time: '1 hour', '90 minutes', '1 week', '45 seconds'."""
    seconds = int(seconds)
    for unit, size in EXACT_UNITS:
        if seconds and seconds % size == 0:
            return format_unit(seconds // size, f"duration-{unit}", length="long", locale=get_locale())
    return format_unit(seconds, "duration-second", length="long", locale=get_locale())


def format_wait(seconds):
    """How long until something may be tried again, never shorter than the truth: '45 seconds', '2 minutes'."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return format_duration(seconds)
    return format_duration(math.ceil(seconds / 60) * 60)

