"""Markdown to safe HTML: the only module that renders user markup or imports bleach.

Sanitise once at write time and store the HTML; pages show the stored HTML as it is.
"""
import re
from dataclasses import dataclass, field
from functools import partial
from html import unescape

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul", "aside", "cite",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel", "class"],
    "img": ["src", "alt", "title"],
    "abbr": ["title"],
    "th": ["colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
    "aside": ["class"],
    "blockquote": ["class"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Classes the renderer itself adds; anything else in a class attribute is dropped.
ALLOWED_CLASSES = frozenset({"mention", "quote", "quote-author"})

CHAT_TAGS = frozenset({"a", "b", "br", "code", "del", "em", "i", "p", "pre", "s", "strong", "blockquote"})

MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]{2,30})\b")
USERNAME_IN_MENTION = re.compile(r"^[A-Za-z0-9_]{2,30}$")


def _link_rel(attrs, new=False):
    """Every link gets rel=nofollow ugc noopener: members' links earn no ranking from us."""
    href_key = (None, "href")
    if href_key not in attrs:
        return attrs
    attrs[(None, "rel")] = "nofollow ugc noopener"
    classes = attrs.get((None, "class"), "").split()
    kept = " ".join(c for c in classes if c in ALLOWED_CLASSES)
    if kept:
        attrs[(None, "class")] = kept
    else:
        attrs.pop((None, "class"), None)
    return attrs


def _filter_class(tag, name, value):
    if name == "class":
        return all(c in ALLOWED_CLASSES for c in value.split())
    return name in ALLOWED_ATTRIBUTES.get(tag, ())


def _attribute_filter_for(tags):
    return {tag: _filter_class for tag in tags}


def _make_cleaner(tags):
    return bleach.Cleaner(
        tags=tags,
        attributes=_attribute_filter_for(tags),
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[partial(LinkifyFilter, callbacks=[_link_rel], skip_tags={"pre", "code"}, parse_email=False)],
    )


_post_cleaner = _make_cleaner(ALLOWED_TAGS)
_chat_cleaner = _make_cleaner(CHAT_TAGS)
_text_cleaner = bleach.Cleaner(tags=set(), strip=True, strip_comments=True)

_post_md = MarkdownIt("commonmark", {"html": False, "breaks": False}).enable(["table", "strikethrough"])
_chat_md = (
    MarkdownIt("commonmark", {"html": False, "breaks": True})
    .enable(["strikethrough"])
    .disable(["heading", "lheading", "image", "hr", "list", "reference", "html_block", "html_inline"])
)


@dataclass
class Rendered:
    html: str
    mentions: set = field(default_factory=set)


def _link_mentions(tokens, mention_url, resolve):
    """Turn @name in plain text into links; never inside code or existing links."""
    found = set()
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        children, out, link_depth = block.children, [], 0
        for tok in children:
            if tok.type == "link_open":
                link_depth += 1
            elif tok.type == "link_close":
                link_depth -= 1
            if tok.type != "text" or link_depth or "@" not in tok.content:
                out.append(tok)
                continue
            pos = 0
            for m in MENTION_RE.finditer(tok.content):
                name = m.group(1)
                canonical = resolve(name) if resolve else name
                if not canonical:
                    continue
                found.add(canonical)
                if m.start() > pos:
                    out.append(_text_token(tok.content[pos:m.start()]))
                link = Token("link_open", "a", 1)
                link.attrs = {"href": mention_url(canonical), "class": "mention"}
                out.extend([link, _text_token("@" + canonical), Token("link_close", "a", -1)])
                pos = m.end()
            if pos == 0:
                out.append(tok)
            elif pos < len(tok.content):
                out.append(_text_token(tok.content[pos:]))
        block.children = out
    return found


def _text_token(content):
    tok = Token("text", "", 0)
    tok.content = content
    return tok


def _render(md, cleaner, source, mention_url, resolve_mention):
    env = {}
    tokens = md.parse(source or "", env)
    mentions = _link_mentions(tokens, mention_url, resolve_mention) if mention_url else set()
    html = md.renderer.render(tokens, md.options, env)
    return Rendered(html=cleaner.clean(html).strip(), mentions=mentions)


def render_post(source, mention_url=None, resolve_mention=None):
    """Render a post or bio: CommonMark plus tables and strikethrough, links and @mentions."""
    return _render(_post_md, _post_cleaner, source, mention_url, resolve_mention)


# One line of letters, digits, spaces and a few punctuation marks that mean nothing to Markdown or
# HTML, with every "." followed by a non-letter (every linkifiable domain has a "." before a TLD, and
# all TLDs start with a letter): the full renderer gives exactly "<p>" + text + "</p>" for it
# (tests/test_markup_chat.py compares the two), so most chat lines skip the parse and the sanitiser.
_PLAIN_CHAT = re.compile(r"(?:[A-Za-z0-9 ,;?!'()=/%]|\.(?![A-Za-z]))+")


def render_chat(source, mention_url=None, resolve_mention=None):
    """Render a chat message: inline Markdown only (bold, italics, code, links), no images."""
    if source and source == source.strip() and _PLAIN_CHAT.fullmatch(source):
        return Rendered(html=f"<p>{source}</p>")
    return _render(_chat_md, _chat_cleaner, source, mention_url, resolve_mention)


def render_quote(author_name, quoted_source):
    """Markdown for quoting another post: a blockquote with its author."""
    lines = (quoted_source or "").strip().splitlines() or [""]
    body = "\n".join("> " + line for line in lines)
    return f"> **@{author_name}** wrote:\n>\n{body}\n\n"


def sanitise_html(html):
    """Clean HTML from a trusted renderer with the post allowlist (e.g. search highlights)."""
    return _post_cleaner.clean(html)


def plain_text(html):
    """Text of stored HTML, for search, notifications and previews."""
    return unescape(_text_cleaner.clean(html or "")).strip()


def excerpt(html, length=200):
    """A plain-text preview cut at a word boundary."""
    text = " ".join(plain_text(html).split())
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0] + "…"
