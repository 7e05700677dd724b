"""Turn posts (with their thread, category, tags and author) into Whoosh documents."""
from html.parser import HTMLParser

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..forum.models import Post, Thread


# Block-level tags the sanitiser's text mode turns into a line break (bleach.html5lib_shim.HTML_TAGS_BLOCK_LEVEL).
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "details", "dialog", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "ul",
})


class _TextExtractor(HTMLParser):
    """Collects the text of HTML that markup.py already sanitised: tags dropped, entities decoded."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.seen_tag = False

    def handle_starttag(self, tag, attrs):
        # A block opening after earlier markup starts a new line, as markup.plain_text's bleach pass does.
        if self.seen_tag and tag in BLOCK_TAGS:
            self.parts.append("\n")
        self.seen_tag = True

    def handle_endtag(self, tag):
        self.seen_tag = True

    def handle_data(self, data):
        self.parts.append(data)


def html_text(html):
    """Plain text of stored, already sanitised post HTML: the same text as markup.plain_text, ~6x faster.

    Only for HTML that markup.py produced: it decodes and drops markup, it does not sanitise. Snippets are
    escaped again when shown (queries.Marker).
    """
    extractor = _TextExtractor()
    extractor.feed(html or "")
    extractor.close()
    return "".join(extractor.parts).strip()


def post_doc_id(post_id):
    return f"p:{post_id}"


def document_for(post):
    """The index document of one post; the title is indexed on the opening post only."""
    thread = post.thread
    category = thread.category
    return {
        "id": post_doc_id(post.id),
        "kind": "post",
        "post_id": post.id,
        "thread_id": thread.id,
        "number": post.number,
        "title": thread.title if post.number == 1 else "",
        "thread_title": thread.title,
        "text": html_text(post.body_html),
        "author": post.author.username.lower(),
        "author_id": post.author_id,
        "category": category.slug,
        "category_id": category.id,
        "tags": ",".join(thread.tag_names),
        "created": post.created_at,
        "likes": post.like_count or 0,
        "votes": thread.vote_count or 0,
        "feature": bool(thread.is_feature_request),
        "status": thread.request_status or "open",
        "state": post.state,
        "deleted": post.deleted_at is not None,
        "thread_deleted": thread.deleted_at is not None,
        "staff_only": bool(category.staff_only),
        "redirected": thread.redirect_to_id is not None,
    }


def is_public(doc):
    """Whether anyone signed in as a member could see this document (saved-search alerts use it)."""
    return (doc["state"] == "published" and not doc["deleted"] and not doc["thread_deleted"]
            and not doc["redirected"])


def _post_query():
    return select(Post).options(
        joinedload(Post.author),
        joinedload(Post.thread).joinedload(Thread.category),
        joinedload(Post.thread).selectinload(Thread.tags),
    )


def load_posts(post_ids):
    """Posts by id, with everything document_for reads, in a bounded number of queries."""
    if not post_ids:
        return []
    return db.session.scalars(_post_query().where(Post.id.in_(list(post_ids)))).unique().all()


def iter_posts(batch_size=1000):
    """Every post, by id, in batches (for a rebuild); the session's weak identity map lets old batches go."""
    last_id = 0
    while True:
        batch = db.session.scalars(
            _post_query().where(Post.id > last_id).order_by(Post.id).limit(batch_size)
        ).unique().all()
        if not batch:
            return
        yield batch
        last_id = batch[-1].id


def post_ids_for(kind, object_id):
    """The posts whose documents an outbox row touches."""
    if kind == "post":
        return [object_id]
    if kind == "thread":
        return list(db.session.scalars(select(Post.id).where(Post.thread_id == object_id)))
    if kind == "category":
        return list(db.session.scalars(
            select(Post.id).join(Thread, Post.thread_id == Thread.id).where(Thread.category_id == object_id)))
    return []
