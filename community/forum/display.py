"""Presentation helpers for forum pages: category colour styles, revision diffs, URL patterns for posts and the
thread's view count."""
import difflib
import re
from dataclasses import dataclass

from ..i18n import ngettext
from ..templating import compact_number

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
FALLBACK_COLOUR = "#3b6ea5"


def _luminance(hex_colour):
    """Relative luminance (WCAG) of a #rrggbb colour."""
    channels = []
    for i in (1, 3, 5):
        c = int(hex_colour[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first, second):
    """WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_text_on(hex_colour):
    """Near-black or white text, whichever contrasts more with the background colour.

    Chip text is small, so it needs 4.5:1 (WCAG AA); on mid-tone colours where neither near-black nor white
    gets there (#2e8a57 gives 4.39:1 with #111111), pure black does."""
    best = max(("#111111", "#ffffff"), key=lambda text: contrast_ratio(hex_colour, text))
    if contrast_ratio(hex_colour, best) >= 4.5:
        return best
    return max(("#000000", "#ffffff"), key=lambda text: contrast_ratio(hex_colour, text))


def category_css(categories):
    """One rule per category: its colour as custom properties used by chips, stripes and badges."""
    rules = []
    for category in categories:
        colour = category.colour if HEX_COLOUR.match(category.colour or "") else FALLBACK_COLOUR
        rules.append(f".cat-{int(category.id)}{{--cat:{colour};--cat-text:{readable_text_on(colour)}}}")
    return "\n".join(rules) + "\n"


@dataclass
class Version:
    """One version of a post for the revisions page, with the lines changed by the next version."""

    label: str
    source: str
    title: str | None
    editor: object
    at: object
    changes: list


def _changes(before, after):
    lines = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "same")
        lines.append((kind, line))
    return lines


def revision_diffs(post, revisions):
    """The current text and every earlier version, newest first, each with what the next edit changed."""
    versions = [Version("Current version", post.body_source, post.thread.title if post.number == 1 else None,
                        None, post.edited_at or post.created_at, [])]
    newer = post.body_source
    for revision in revisions:
        versions.append(Version(f"Version {revision.number}", revision.body_source, revision.title,
                                revision.edited_by, revision.created_at, _changes(revision.body_source, newer)))
        newer = revision.body_source
    return versions


# A stand-in for each argument while a URL pattern is built: numbers for integer routes, letters otherwise.
_STAND_INS = {"post_id": 8_765_432_101, "thread_id": 8_765_432_102, "number": 8_765_432_103,
              "to": 8_765_432_104, "quote": 8_765_432_105, "username": "zqstandinzq"}


class UrlPatterns:
    """URLs for the many posts of one page, built once per endpoint with stand-in arguments and completed by
    string formatting: url_for costs microseconds, and a 50-post page builds several links per post."""

    def __init__(self, url_for):
        self._url_for = url_for
        self._patterns = {}

    def __call__(self, endpoint, **values):
        key = (endpoint, *sorted(values))
        pattern = self._patterns.get(key)
        if pattern is None:
            pattern = self._patterns[key] = self._pattern(endpoint, sorted(values))
        return pattern.format_map(values)

    def _pattern(self, endpoint, names):
        built = self._url_for(endpoint, **{name: _STAND_INS[name] for name in names})
        pattern = built.replace("{", "{{").replace("}", "}}")
        for name in names:
            pattern = pattern.replace(str(_STAND_INS[name]), "{" + name + "}")
        return pattern


def views_label(count):
    """'1 view', '2.3k views': printed per request on members' stored pages, where the count moves every view."""
    return ngettext("%(shown)s view", "%(shown)s views", count, shown=compact_number(count))
