"""The admins' settings page: one field per key of settings.DEFAULTS, validated before anything is saved."""
import math
import re
from dataclasses import dataclass

from ..settings import DEFAULTS, all_settings, update_setting

DOMAIN_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$")
LIST_MAX_ITEMS = 500
ITEM_MAX = 100
# Sensible bounds for known keys; keys added later get the bounds of their default's type.
BOUNDS = {
    "chime_in_after_minutes": (1, 7 * 24 * 60),
    "spotlight_max_staff_share": (0.0, 1.0),
    "negative_mood_below": (-1.0, 1.0),
    "new_member_max_links": (0, 50),
    "trust_min_account_days": (0, 365),
    "trust_min_published_posts": (0, 1000),
    "flags_to_hide": (1, 100),
}
DOMAIN_KEYS = {"shop_domains", "commercial_domains"}


@dataclass
class SettingField:
    key: str
    kind: str  # int, float, bool, list, groups
    help: str
    value: object
    text: object  # what the form shows: a string, or {group: string} for groups
    error: str = ""

    @property
    def label(self):
        return self.key.replace("_", " ").capitalize()

    @property
    def name(self):
        return f"s-{self.key}"


def _kind(default):
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, dict):
        return "groups"
    return "list"


def _as_text(kind, value):
    if kind == "list":
        return "\n".join(str(v) for v in value or [])
    if kind == "groups":
        return {group: "\n".join(words) for group, words in (value or {}).items()}
    return "" if value is None else str(value)


def setting_fields():
    """Every setting with its current value, ready for the form."""
    current = all_settings()
    fields = []
    for key, (default, help_text) in DEFAULTS.items():
        kind = _kind(default)
        fields.append(SettingField(key, kind, help_text, current[key], _as_text(kind, current[key])))
    return fields


def _parse_number(key, kind, raw):
    low, high = BOUNDS.get(key, (0, 10**6) if kind == "int" else (-10**6, 10**6))
    raw = (raw or "").strip()
    try:
        value = int(raw) if kind == "int" else float(raw)
    except ValueError:
        raise ValueError("Enter a whole number." if kind == "int" else "Enter a number, such as 0.4.") from None
    if kind == "float" and not math.isfinite(value):
        raise ValueError("Enter a finite number.")
    if not low <= value <= high:
        raise ValueError(f"Enter a value from {low} to {high}.")
    return value


def _parse_lines(key, raw):
    items = []
    for line in (raw or "").replace("\r", "").split("\n"):
        item = " ".join(line.split())
        if key in DOMAIN_KEYS:
            item = item.lower().removeprefix("https://").removeprefix("http://").strip("/")
            if item and not DOMAIN_RE.match(item):
                raise ValueError(f"“{item[:60]}” is not a domain name such as shop.example.com.")
        if len(item) > ITEM_MAX:
            raise ValueError(f"Keep each entry under {ITEM_MAX} characters.")
        if item and item.lower() not in (i.lower() for i in items):
            items.append(item)
    if len(items) > LIST_MAX_ITEMS:
        raise ValueError(f"Use at most {LIST_MAX_ITEMS} entries.")
    return items


def parse_settings(form_data):
    """Read the posted form: (fields with the submitted text and any errors, {key: new value})."""
    fields = setting_fields()
    values = {}
    for f in fields:
        try:
            if f.kind == "bool":
                f.text = "y" if form_data.get(f.name) else ""
                values[f.key] = bool(f.text)
            elif f.kind in ("int", "float"):
                f.text = form_data.get(f.name, "")
                values[f.key] = _parse_number(f.key, f.kind, f.text)
            elif f.kind == "list":
                f.text = form_data.get(f.name, "")
                values[f.key] = _parse_lines(f.key, f.text)
            else:
                groups = list((DEFAULTS[f.key][0] or {}).keys())
                f.text = {g: form_data.get(f"{f.name}-{g}", "") for g in groups}
                values[f.key] = {g: _parse_lines(f.key, f.text[g]) for g in groups}
        except ValueError as error:
            f.error = str(error)
    return fields, values


def save_settings(actor, form_data, reason=""):
    """Validate every field; if all are valid, save the changed ones. Returns (fields, changed keys)."""
    fields, values = parse_settings(form_data)
    if any(f.error for f in fields):
        return fields, None
    changed = [f.key for f in fields if values[f.key] != f.value]
    for key in changed:
        update_setting(actor, key, values[key], reason=reason)
    return setting_fields(), changed
