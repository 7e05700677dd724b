"""Plain one-line chat messages skip the Markdown parser: the stored HTML must be the same either way."""
import random

from community import markup

ALPHABET = "abcXYZ019 ,;?!'()=/%."


def full_render(source):
    return markup._render(markup._chat_md, markup._chat_cleaner, source, None, None).html


def test_plain_messages_render_exactly_as_the_markdown_renderer_does():
    rng = random.Random(20261123)
    samples = ["ts=1763906519.123456 flood", "Hi all, is the kettle (v2) 50% off? Yes!", "1. first", "1) first",
               "a.1 b. c.", "what about 3.5 / 4 = 0.875", "x" * 2000, "don't", "=== ", "(((", "% done."]
    samples += ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40))).strip() or "x"
                for _ in range(3000)]
    for source in samples:
        assert markup.render_chat(source).html == full_render(source), source


def test_messages_with_links_markup_or_mentions_still_go_through_markdown():
    assert 'href="http://kettle.example.com"' in markup.render_chat("see kettle.example.com").html
    assert markup.render_chat("a **bold** claim").html == "<p>a <strong>bold</strong> claim</p>"
    assert markup.render_chat("<script>alert(1)</script>").html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert markup.render_chat("tea & cake").html == "<p>tea &amp; cake</p>"
    rendered = markup.render_chat("hi @maria", mention_url=lambda n: f"/u/{n}", resolve_mention=lambda n: n)
    assert rendered.mentions == {"maria"} and 'class="mention"' in rendered.html
    assert markup.render_chat("line one\nline two").html == "<p>line one<br>\nline two</p>"
