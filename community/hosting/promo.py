"""No hard sell: find promotional language in what staff write, and refuse it unless they choose to send anyway."""
import re
from dataclasses import asdict, dataclass

from .. import permissions
from ..errors import Invalid
from ..i18n import ngettext
from ..settings import get_setting

KIND_LABELS = {
    "price": "Price",
    "discount": "Discount",
    "code": "Discount code",
    "call_to_buy": "Call to buy",
    "shop_link": "Shop link",
    "phrase": "Selling phrase",
}
REMINDER = ("Facilitators host the room, they don't sell in it. Answer the question, share what helps, "
            "and let members find the shop on their own.")
REFUSAL = ("This reads as selling ({found}). Edit it, or tick “Send anyway” if it really belongs here "
           "(that choice is logged).")

_CURRENCY_SYMBOLS = "$€£¥₹"
_CURRENCY_WORDS = r"usd|eur|gbp|chf|cad|aud|jpy|dollars?|euros?|pounds?|bucks|quid"
_AMOUNT = r"\d{1,3}(?:[,.\s]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
PRICE_RE = re.compile(
    rf"(?:(?<![\w{_CURRENCY_SYMBOLS}])[{_CURRENCY_SYMBOLS}]\s?(?:{_AMOUNT})(?![\d]))"
    rf"|(?:\b(?:{_AMOUNT})\s?(?:[{_CURRENCY_SYMBOLS}]|(?:{_CURRENCY_WORDS})\b))"
    rf"|(?:\b(?:usd|eur|gbp|chf|cad|aud)\s?(?:{_AMOUNT})\b)",
    re.IGNORECASE,
)
DISCOUNT_RE = re.compile(r"\b\d{1,3}(?:[.,]\d+)?\s?%\s?(?:-\s?)?(?:off|discount|sale|cheaper|savings?)\b",
                         re.IGNORECASE)
# "use code SAVE20", "promo code: XMAS-20"; the token must look made up (digits or capitals) so that
# "the code is fine" stays quiet. Support words before "code" (error, status...) mean a different code.
CODE_RE = re.compile(r"(?<!error )(?<!status )(?<!exit )(?<!source )(?<!zip )(?<!postal )(?<!qr )"
                     r"\b(?:promo |discount |coupon |voucher )?codes?\b\s*[:=]?\s*[\"'“‘]?([A-Za-z0-9][A-Za-z0-9_-]{2,19})\b",
                     re.IGNORECASE)
CALL_TO_BUY_RE = re.compile(
    r"\b(?:buy|order|shop|get|grab|purchase|pre-?order|upgrade)\s+(?:it\s+|one\s+|yours\s+)?(?:now|today)\b"
    r"|\b(?:buy|order|purchase|grab|get)\s+(?:yours|one|it)\s+(?:here|online|from us|while)\b"
    r"|\b(?:buy|order|pre-?order|purchase)\s+(?:yours|one)\b"
    r"|\b(?:place|make)\s+(?:an|your)\s+order\b"
    r"|\bpre-?order\b"
    r"|\badd\s+(?:it\s+)?to\s+(?:your\s+)?(?:cart|basket|bag)\b"
    r"|\b(?:checkout|check out)\s+now\b"
    r"|\bdon'?t\s+miss\s+out\b",
    re.IGNORECASE,
)
HOST_RE = re.compile(r"(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?::\d+)?(?:/[^\s)\]>\"']*)?",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One promotional passage: its kind and where it sits in the text (code-point offsets)."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def label(self):
        return KIND_LABELS[self.kind]

    def as_dict(self):
        return {**asdict(self), "label": self.label}


def _code_findings(text):
    for match in CODE_RE.finditer(text):
        token = match.group(1)
        if any(c.isdigit() for c in token) or (token.isupper() and len(token) >= 4):
            yield Finding("code", match.start(), match.end(), match.group(0))


def _shop_findings(text, domains):
    domains = [d.lower().strip().lstrip(".") for d in domains if d and d.strip()]
    if not domains:
        return
    for match in HOST_RE.finditer(text):
        host = match.group(1).lower()
        if any(host == d or host.endswith("." + d) for d in domains):
            yield Finding("shop_link", match.start(), match.end(), match.group(0))


def _phrase_findings(text, phrases):
    for phrase in phrases:
        phrase = " ".join((phrase or "").split())
        if not phrase:
            continue
        words = r"\s+".join(re.escape(w) for w in phrase.split(" "))
        # Word edges only where the phrase itself starts or ends with a word character.
        pattern = (r"\b" if phrase[0].isalnum() else "") + words + (r"\b" if phrase[-1].isalnum() else "")
        for match in re.finditer(pattern, text, re.IGNORECASE):
            yield Finding("phrase", match.start(), match.end(), match.group(0))


def highlight_spans(findings):
    """Merged (start, end) ranges to highlight, so overlapping findings never nest."""
    spans = []
    for finding in sorted(findings, key=lambda f: f.start):
        if spans and finding.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], finding.end))
        else:
            spans.append((finding.start, finding.end))
    return spans


def find_promotional(text, phrases=None, shop_domains=None):
    """Every promotional passage in text, in order (they may overlap); rules come from settings by default."""
    text = text or ""
    if phrases is None:
        phrases = get_setting("promo_phrases")
    if shop_domains is None:
        shop_domains = get_setting("shop_domains")
    findings = [Finding("price", m.start(), m.end(), m.group(0)) for m in PRICE_RE.finditer(text)]
    findings += [Finding("discount", m.start(), m.end(), m.group(0)) for m in DISCOUNT_RE.finditer(text)]
    findings += list(_code_findings(text))
    findings += [Finding("call_to_buy", m.start(), m.end(), m.group(0)) for m in CALL_TO_BUY_RE.finditer(text)]
    findings += list(_shop_findings(text, shop_domains))
    findings += list(_phrase_findings(text, phrases))
    return sorted(set(findings), key=lambda f: (f.start, f.end, f.kind))


def describe(findings):
    """A short human list of what was found: “Price: $19.99; Call to buy: buy now”."""
    seen = []
    for finding in findings:
        item = f"{finding.label}: {finding.text.strip()}"
        if item not in seen:
            seen.append(item)
    return "; ".join(seen[:5]) + ("…" if len(seen) > 5 else "")


def spotlight_share(thread):
    """The share of a thread's published posts written by staff (0 for a thread without posts)."""
    posts = thread.reply_count + 1 if thread.id is not None else 0
    return thread.staff_post_count / posts if posts else 0.0


def spotlight_warning(author, thread):
    """None, or what a staff member should know before adding another post to a staff-heavy thread."""
    if thread is None or not permissions.is_staff(author) or thread.category.staff_only:
        return None
    limit = float(get_setting("spotlight_max_staff_share"))
    share = spotlight_share(thread)
    if share <= limit:
        return None
    return {
        "share": round(share, 3),
        "max_share": limit,
        "staff_posts": thread.staff_post_count,
        "posts": thread.reply_count + 1,
        "message": (ngettext("Staff wrote %(staff)d of the %(num)d post here ",
                             "Staff wrote %(staff)d of the %(num)d posts here ",
                             thread.reply_count + 1, staff=thread.staff_post_count)
                    + f"({share:.0%}, above the {limit:.0%} the community aims for). "
                    "Consider leaving room for members to answer."),
    }


def check_staff_post(author, body, thread, override, target=None):
    """Check a post before it is written: staff selling language is refused unless override is set.

    Returns the findings. With override, the choice to send anyway is recorded in the audit log inside
    the caller's transaction (promo_override, and spotlight_override on a staff-heavy thread), so it is
    committed together with the post. Members' posts pass untouched: community policy handles those.
    Chat passes thread=None and target=("room", room.id) so the audit entry points at the room.
    """
    from ..moderation.audit import record_audit

    if not permissions.is_staff(author):
        return []
    findings = find_promotional(body)
    warning = spotlight_warning(author, thread)
    target_type, target_id = target or ("thread", thread.id if thread is not None else None)
    if findings and not override:
        raise Invalid(REFUSAL.format(found=describe(findings)), field="body")
    if override and findings:
        record_audit(author, "promo_override", target_type, target_id,
                     reason="Sent anyway after the no-hard-sell reminder.",
                     after={"findings": [f.as_dict() for f in findings], "excerpt": (body or "")[:300]})
    if override and warning:
        record_audit(author, "spotlight_override", target_type, target_id,
                     reason="Posted anyway in a staff-heavy thread.",
                     after={"share": warning["share"], "max_share": warning["max_share"]})
    return findings
