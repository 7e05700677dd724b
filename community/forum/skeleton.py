"""Pages rendered once for many members, with marked places for what is each member's own.

A template prints what belongs to the viewer through two calls:

    {{ member_value("name", current_user.name) }}
    {% call(liked) member_choice("liked", post.id, post.id in viewer.liked_post_ids) %}…{% endcall %}

Rendered for one person they give that person's value or branch. Rendered as a skeleton (while a
`Recording` is active), `member_value` leaves a marker and `member_choice` renders every branch, so the result
can be stored once and completed for each member in microseconds (`Skeleton.fill`), without Jinja or the ORM.
The CSRF token is a value like the others. Markers carry a random per-process nonce, so text a member writes
can never be taken for one; they are made of characters that pass unchanged through HTML escaping and URL
quoting, so a marker may stand in a link (a profile URL holding the member's username) as well as in text.
"""
import secrets
from dataclasses import dataclass

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

_NONCE = secrets.token_hex(8)
_OPEN, _CLOSE = f"~slot{_NONCE}~", "~"


@dataclass(frozen=True)
class Value:
    """A member's own text: CSRF token, name, unread count…"""

    name: str


@dataclass(frozen=True)
class Choice:
    """One of a few pre-rendered branches, picked per member (liked or not, following or not…)."""

    name: str
    key: object
    branches: dict  # branch value -> Skeleton


class Recording:
    """Collects the places a skeleton render leaves for members."""

    def __init__(self):
        self.slots = []

    def mark(self, slot):
        self.slots.append(slot)
        return Markup(f"{_OPEN}{len(self.slots) - 1}{_CLOSE}")

    def finish(self, html):
        """The rendered text with its markers turned into slots."""
        return Skeleton.parse(html, self.slots)


def recording():
    return g.get("page_skeleton_recording")


def start_recording():
    g.page_skeleton_recording = Recording()
    return g.page_skeleton_recording


def stop_recording():
    return g.pop("page_skeleton_recording", None)


def member_value(name, current):
    """The viewer's own value, or a marker for it while recording a skeleton."""
    active = recording()
    if active is None:
        return current
    return active.mark(Value(name))


def member_choice(name, key, current, caller, branches=(False, True)):
    """Jinja call block: the branch for the viewer's `current` state, or every branch while recording."""
    active = recording()
    if active is None:
        return caller(current)
    rendered = {branch: Skeleton.parse(str(caller(branch)), active.slots) for branch in branches}
    return active.mark(Choice(name, key, rendered))


def csrf_token():
    """The CSRF token for forms in templates: a member's own value like their name."""
    return member_value("csrf", signed_csrf_token())


_signed_tokens = {}  # a session's raw CSRF token -> one signed form of it


def signed_csrf_token():
    """Flask-WTF's generate_csrf, signing each session's token once per process rather than once per page.

    Signing costs more than completing a stored page, and with WTF_CSRF_TIME_LIMIT None (config.py) a signed
    token never expires, so one signed form of the session's token serves every page of the session."""
    config = current_app.config
    raw = session.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if raw is None or config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()
    signed = _signed_tokens.get(raw)
    if signed is None:
        if len(_signed_tokens) >= 10_000:
            _signed_tokens.clear()
        signed = _signed_tokens[raw] = generate_csrf()
    return signed


class Skeleton:
    """Literal text and slots, in order; `fill` completes it for one member."""

    __slots__ = ("parts", "values_used", "choices_used", "_choice_keys")

    def __init__(self, parts):
        self.parts = tuple(parts)
        slots = list(self._all_slots())
        self.values_used = frozenset(p.name for p in slots if isinstance(p, Value))
        self.choices_used = frozenset(p.name for p in slots if isinstance(p, Choice))
        self._choice_keys = {}
        for slot in slots:
            if isinstance(slot, Choice):
                self._choice_keys.setdefault(slot.name, []).append(slot.key)

    @classmethod
    def parse(cls, html, slots):
        pieces = html.split(_OPEN)
        parts = [pieces[0]] if pieces[0] else []
        for piece in pieces[1:]:
            index, _, rest = piece.partition(_CLOSE)
            parts.append(slots[int(index)])
            if rest:
                parts.append(rest)
        return cls(parts)

    def _all_slots(self):
        for part in self.parts:
            if isinstance(part, Choice):
                yield part
                for branch in part.branches.values():
                    yield from branch._all_slots()
            elif isinstance(part, Value):
                yield part

    def choice_keys(self, name):
        """The keys of every choice of this name, in page order (the posts of "liked", say)."""
        return self._choice_keys.get(name, [])

    def fill(self, values, choose):
        """The page for one member: `values` maps value names to text (escaped here), `choose(name, key)`
        picks a branch."""
        out = []
        self._fill_into(out, {name: str(escape(text)) for name, text in values.items()}, choose)
        return "".join(out)

    def _fill_into(self, out, values, choose):
        append = out.append
        for part in self.parts:
            if part.__class__ is str:
                append(part)
            elif part.__class__ is Value:
                append(values[part.name])
            else:
                part.branches[choose(part.name, part.key)]._fill_into(out, values, choose)

    def __len__(self):
        return sum(len(p) for p in self.parts if isinstance(p, str))


def init_app(app):
    app.jinja_env.globals.update(member_value=member_value, member_choice=member_choice, csrf_token=csrf_token)
