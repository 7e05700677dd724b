"""The index's plain text comes from the stored HTML by a fast extraction that gives markup.plain_text's text."""
import html5lib

from community import markup
from community.demo import people
from community.demo.plan import plan_community
from community.forum.actions import render_body
from community.search.documents import html_text
from community.search.queries import search
from tests.forum.test_sanitiser_corpus import _vectors, problems_in


def test_extraction_matches_the_sanitisers_text_over_the_demo_community(app):
    members = [name for name, *_ in people.MEMBERS]
    bodies = {post.body for plan in plan_community(1907, 150, members) for post in plan.posts}
    assert len(bodies) > 300
    with app.test_request_context("/"):
        different = [body for body in bodies
                     if html_text(render_body(body).html) != markup.plain_text(render_body(body).html)]
    assert different == []


def test_extraction_matches_the_sanitisers_text_for_every_xss_vector():
    different = []
    for name, source in _vectors():
        for html in (markup.render_post(source).html, markup.sanitise_html(source)):
            if html_text(html) != markup.plain_text(html):
                different.append(name)
    assert different == []


def test_block_tags_become_line_breaks_and_entities_are_decoded():
    html = '<p>Tea &amp; <a href="https://example.com" title="a>b">coffee</a></p>\n<ul>\n<li>one</li>\n</ul>'
    assert html_text(html) == markup.plain_text(html) == "Tea & coffee\n\n\n\none"
    assert html_text("") == html_text(None) == ""
    assert html_text("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>") == "<script>alert(1)</script>"


def _elements(html):
    tree = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    return {element.tag for element in tree.iter() if isinstance(element.tag, str)} - {"DOCUMENT_FRAGMENT"}


def test_xss_vectors_reach_search_snippets_only_as_escaped_text(make_member, make_thread, index_now):
    # The vectors whose text still looks like markup once sanitised: the ones a careless snippet would revive.
    risky = [source for _, source in _vectors()
             if any(s in html_text(markup.render_post(source).html).lower() for s in ("<", "javascript:", "on"))]
    sample = risky[::max(len(risky) // 250, 1)]
    author = make_member()
    for n, source in enumerate(sample):
        word = f"quixotrix{n // 40}"  # a word per 40 threads: each search is one page holding all of them
        make_thread(author=author, title=f"Vector {n} {word}", body=f"{word} {source}")
    index_now()
    # Read as the author: a few vectors hold their post for review (link limits), and authors see their own.
    seen = set()
    for group in range(len(sample) // 40 + 1):
        for thread in search(author, f"quixotrix{group}", per_page=50).threads:
            assert _elements(thread.title_html) <= {"mark"}, thread.title_html
            for post in thread.posts:
                assert _elements(post["snippet_html"]) <= {"mark"}, post["snippet_html"]
                assert problems_in(post["snippet_html"].replace("<mark>", "").replace("</mark>", "")) == []
                seen.add(post["post_id"])
    assert len(seen) == len(sample) > 200
