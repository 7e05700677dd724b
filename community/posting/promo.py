"""No hard sell: find promotional language (prices, discounts, codes, calls to buy, shop links) in what staff write."""
import re
from dataclasses import asdict, dataclass

from .. import permissions
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


def _key(finding):
    return finding.kind, " ".join(finding.text.lower().split())


def new_findings(findings, earlier_text):
    """The findings that were not already in the earlier version of the text (an edit that only fixes a typo
    in a post sent anyway, or in a member's post quoting a price, adds nothing new)."""
    earlier = {}
    for finding in find_promotional(earlier_text or ""):
        earlier[_key(finding)] = earlier.get(_key(finding), 0) + 1
    fresh = []
    for finding in findings:
        if earlier.get(_key(finding), 0) > 0:
            earlier[_key(finding)] -= 1
        else:
            fresh.append(finding)
    return fresh


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
