"""Admin-editable community settings: stored values override the config defaults."""
from flask import current_app
from sqlalchemy import select

from .database import commit, utcnow
from .extensions import db

# Every editable setting with its default and a description for the admin page.
# Config keys of the same name (upper-case) override these defaults per deployment.
DEFAULTS = {
    "chime_in_after_minutes": (120, "A thread without a reply for this long joins the chime-in queue."),
    "spotlight_max_staff_share": (0.4, "Share of staff posts above which a thread is marked as staff-heavy."),
    "promo_phrases": (["buy now", "limited time", "discount", "special offer", "use code", "order today",
                       "free shipping", "sale ends", "upgrade now", "best price"],
                      "Phrases that read as selling when staff write them."),
    "shop_domains": (["shop.example.com"], "Links to these domains from staff read as selling; from new members they are held."),
    "commercial_domains": (["amazon.com", "ebay.com", "aliexpress.com"],
                           "Links to these domains in members' posts are held for review."),
    "new_member_max_links": (1, "Members below the trust threshold may include at most this many links."),
    "trust_min_account_days": (2, "Account age (days) after which a member is trusted."),
    "trust_min_published_posts": (3, "Published posts after which a member is trusted."),
    "low_effort_phrases": (["+1", "good post", "me too", "same", "this", "nice", "great post", "thanks", "bump"],
                           "Very short replies that should be a like instead."),
    "watched_words": ({"block": [], "hold": [], "flag": []}, "Words that block, hold or flag a post."),
    "flags_to_hide": (3, "Flags from trusted members that hide a post pending review."),
    "negative_mood_below": (-0.3, "A thread whose recent posts average a mood (VADER, -1 to 1) below this "
                                  "joins the chime-in queue."),
}


class Setting(db.Model):
    __tablename__ = "settings"

    key = db.Column(db.String(60), primary_key=True)
    value = db.Column(db.JSON, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))


def get_setting(key):
    """The stored value, else the deployment's config value, else the built-in default."""
    if key not in DEFAULTS:
        raise KeyError(key)
    stored = db.session.get(Setting, key)
    if stored is not None:
        return stored.value
    return current_app.config.get(key.upper(), DEFAULTS[key][0])


def all_settings():
    stored = {s.key: s.value for s in db.session.scalars(select(Setting))}
    return {key: stored.get(key, current_app.config.get(key.upper(), default))
            for key, (default, _help) in DEFAULTS.items()}


def update_setting(actor, key, value, reason=""):
    """Change a setting (admins), recorded in the audit log."""
    from . import permissions
    from .moderation.audit import record_audit

    permissions.require(permissions.can_edit_settings(actor), "Only admins change community settings.")
    if key not in DEFAULTS:
        raise KeyError(key)
    before = get_setting(key)
    stored = db.session.get(Setting, key)
    if stored is None:
        stored = Setting(key=key, value=value)
        db.session.add(stored)
    stored.value, stored.updated_at, stored.updated_by_id = value, utcnow(), actor.id
    record_audit(actor, "update_setting", "setting", None, reason=reason, before={key: before}, after={key: value})
    commit()
    return value
