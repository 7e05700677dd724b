"""Community policy (automod): whether a member's post is published, held for review or refused.

A post that breaks a rule is held for review, never dropped; only watched "block" words refuse a post,
and then the author keeps their text and is told which word to change. Called through posting.policy.
"""
import re
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlalchemy import func, select

from .. import markup
from ..database import utcnow
from ..errors import Invalid
from ..extensions import db
from ..i18n import ngettext
from ..settings import get_setting

# Longer than this, a reply says something even if it opens with "thanks".
LOW_EFFORT_MAX_CHARS = 40
LOW_EFFORT_MESSAGE = (
    "Short replies like this say more as a like: use the Like button on the post you agree with. "
    "If you still want to send it, tick “Send anyway” and a facilitator will review it."
)


@dataclass
class Assessment:
    state: str = "published"  # or "held"
    reason: str = ""
    flags: list = field(default_factory=list)  # watched "flag" words found: published, but flagged for a look


def assess_post(author, source, *, html=None, reply=False, acknowledged_low_effort=False):
    """Decide whether a member's new or edited post is published or held, and why.

    html is the post as rendered for the page (rendered here when not given); reply says whether the post
    answers others in a thread (only replies can be low-effort). Raises Invalid for a watched "block" word,
    and for a very short low-effort reply unless the author acknowledged the suggestion to use the like
    button (then the reply is held instead).
    """
    from ..permissions import is_staff

    if is_staff(author):
        return Assessment()
    source = source or ""
    blocked = watched_matches(source, "block")
    if blocked:
        raise Invalid(f"Please rephrase: “{blocked[0]}” isn't allowed in this community. "
                      "Your text is kept below so you can edit it.", field="body")
    reasons = []
    if watched_matches(source, "hold"):
        reasons.append("it contains a word the facilitators look at before it appears")
    hosts = link_hosts(markup.render_post(source).html if html is None else html)
    commercial = sorted({h for h in hosts if domain_listed(h, get_setting("commercial_domains"))})
    if commercial:
        reasons.append(f"links to {', '.join(commercial)} are reviewed before they appear")
    if not is_trusted(author):
        limit = int(get_setting("new_member_max_links"))
        if len(hosts) > limit:
            reasons.append(ngettext(
                "new members may include at most %(num)d link until they have been around a little",
                "new members may include at most %(num)d links until they have been around a little", limit))
        shops = sorted({h for h in hosts if domain_listed(h, get_setting("shop_domains"))} - set(commercial))
        if shops:
            reasons.append(f"links to {', '.join(shops)} from new members are reviewed before they appear")
    if reply and is_low_effort(source):
        if not acknowledged_low_effort:
            raise Invalid(LOW_EFFORT_MESSAGE, field="body")
        reasons.append("very short replies are reviewed (a like often says it better)")
    flags = watched_matches(source, "flag")
    if reasons:
        return Assessment("held", "Awaiting review: " + "; ".join(reasons) + ".", flags)
    return Assessment(flags=flags)


def is_trusted(user):
    """Trusted members have been around long enough and have enough published posts."""
    from ..forum.models import Post
    from ..permissions import is_staff

    if is_staff(user):
        return True
    if user is None or not getattr(user, "is_authenticated", False) or user.created_at is None:
        return False
    if utcnow() - user.created_at < timedelta(days=float(get_setting("trust_min_account_days"))):
        return False
    needed = int(get_setting("trust_min_published_posts"))
    if needed <= 0:
        return True
    published = db.session.scalar(
        select(func.count(Post.id)).where(Post.author_id == user.id, Post.state == "published",
                                          Post.deleted_at.is_(None))
    )
    return published >= needed


def _phrase_pattern(phrase):
    # A trailing * matches any word ending ("refund*" catches refunds, refunding).
    phrase = phrase.strip().lower()
    prefix = phrase.endswith("*")
    body = re.escape(phrase.rstrip("*").strip())
    return re.compile(r"(?<!\w)" + body + (r"\w*" if prefix else r"(?!\w)"))


def watched_matches(source, kind):
    """The watched words of one kind (block, hold, flag) that occur in the text, as configured."""
    words = (get_setting("watched_words") or {}).get(kind) or []
    text = (source or "").lower()
    return [w for w in words if w and w.strip("* ") and _phrase_pattern(w).search(text)]


def is_low_effort(source):
    """A very short reply made only of configured low-effort phrases, punctuation and emoji."""
    text = " ".join((source or "").lower().split())
    if not text or len(text) > LOW_EFFORT_MAX_CHARS:
        return False
    for phrase in sorted(get_setting("low_effort_phrases") or [], key=len, reverse=True):
        if phrase.strip():
            text = _phrase_pattern(phrase).sub(" ", text)
    return not re.search(r"\w", text)


class _LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href") and "mention" not in (attrs.get("class") or ""):
            self.hrefs.append(attrs["href"])
        if tag == "img" and attrs.get("src"):
            self.hrefs.append(attrs["src"])


def link_hosts(html):
    """Host names of the links and images in a rendered post, as the page shows them (bare URLs count)."""
    collector = _LinkCollector()
    collector.feed(html)
    hosts = []
    for href in collector.hrefs:
        parts = urlsplit(href)
        if parts.scheme in ("http", "https") and parts.hostname:
            hosts.append(parts.hostname.lower().rstrip("."))
    return hosts


def domain_listed(host, domains):
    """Whether host is one of the domains or a subdomain of one (www.amazon.com matches amazon.com)."""
    host = host.lower()
    for domain in domains or ():
        domain = domain.strip().lower().lstrip(".")
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False
