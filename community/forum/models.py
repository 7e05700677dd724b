"""Categories, threads, posts and what members do to them (likes, follows, revisions)."""
from ..database import utcnow
from ..extensions import db

# A post's life: published; held for review by community policy; hidden by staff with a reason;
# rejected after review. Deletion is separate (deleted_at) and always soft.
POST_STATES = ("published", "held", "hidden", "rejected")
REQUEST_STATUSES = ("open", "under_review", "planned", "in_progress", "shipped", "declined")

thread_tags = db.Table(
    "thread_tags",
    db.Column("thread_id", db.Integer, db.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True),
    db.Column("tag_id", db.Integer, db.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def closed_for_replies(locked, closes_at, now=None):
    """Locked, or past its close timer: the rule, from a thread's two columns (stored pages read them raw)."""
    return bool(locked) or (closes_at is not None and closes_at <= (now or utcnow()))


class Category(db.Model):
    __tablename__ = "categories"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(60), nullable=False)
    slug = db.Column(db.String(60), nullable=False, unique=True)
    description = db.Column(db.String(500), nullable=False, default="")
    position = db.Column(db.Integer, nullable=False, default=0)
    colour = db.Column(db.String(7), nullable=False, default="#3b6ea5")
    staff_only = db.Column(db.Boolean, nullable=False, default=False)
    read_only = db.Column(db.Boolean, nullable=False, default=False)  # only staff start threads
    thread_count = db.Column(db.Integer, nullable=False, default=0)
    post_count = db.Column(db.Integer, nullable=False, default=0)

    def __repr__(self):
        return f"<Category {self.slug}>"


class Tag(db.Model):
    __tablename__ = "tags"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(30), nullable=False, unique=True)


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (
        db.Index("ix_threads_category_activity", "category_id", "pinned", "last_posted_at", "id"),
        db.Index("ix_threads_activity", "last_posted_at"),
        # The latest listing's order (pinned first, then activity): read backwards, no sort of every thread.
        db.Index("ix_threads_pinned_activity", "pinned", "last_posted_at", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id"), nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    title = db.Column(db.String(200), nullable=False)
    slug = db.Column(db.String(80), nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    last_posted_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_poster_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    # Counters over published, undeleted posts; kept by the forum actions.
    reply_count = db.Column(db.Integer, nullable=False, default=0)
    like_count = db.Column(db.Integer, nullable=False, default=0)
    view_count = db.Column(db.Integer, nullable=False, default=0)
    staff_post_count = db.Column(db.Integer, nullable=False, default=0)
    pinned = db.Column(db.Boolean, nullable=False, default=False)
    locked = db.Column(db.Boolean, nullable=False, default=False)
    closes_at = db.Column(db.DateTime)  # a close timer; after it the thread reads as locked
    slow_mode_seconds = db.Column(db.Integer, nullable=False, default=0)
    deleted_at = db.Column(db.DateTime)
    # Set when the thread was merged into or moved under another: the old place points on.
    redirect_to_id = db.Column(db.Integer, db.ForeignKey("threads.id"))
    is_feature_request = db.Column(db.Boolean, nullable=False, default=False, index=True)
    request_status = db.Column(db.String(20), nullable=False, default="open")
    request_status_note = db.Column(db.Text, nullable=False, default="")
    vote_count = db.Column(db.Integer, nullable=False, default=0)
    # Bumped in the same transaction as any change to what the thread page shows; keys shared page fragments.
    version = db.Column(db.Integer, nullable=False, default=0, server_default="0")

    category = db.relationship("Category", lazy="joined")
    author = db.relationship("User", foreign_keys=[author_id])
    last_poster = db.relationship("User", foreign_keys=[last_poster_id])
    tags = db.relationship("Tag", secondary=thread_tags, lazy="selectin", order_by="Tag.name")
    redirect_to = db.relationship("Thread", remote_side=[id])
    opening_post = db.relationship(
        "Post", primaryjoin="and_(Post.thread_id == Thread.id, Post.number == 1)", viewonly=True, uselist=False,
    )

    @property
    def tag_names(self):
        return [t.name for t in self.tags]

    def is_closed(self, now=None):
        return closed_for_replies(self.locked, self.closes_at, now)

    def __repr__(self):
        return f"<Thread {self.id} {self.title[:30]!r}>"


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        db.UniqueConstraint("thread_id", "number", name="uq_posts_thread_number"),
        db.Index("ix_posts_created", "created_at"),
        db.Index("ix_posts_author_created", "author_id", "created_at"),
        # A member's own posts in one thread, and their few posts others cannot see: which stored pages they
        # share with other members (forum/member_pages.py).
        db.Index("ix_posts_thread_author", "thread_id", "author_id"),
        db.Index("ix_posts_unpublished_author", "author_id", "number",
                 sqlite_where=db.text("state != 'published'"), postgresql_where=db.text("state != 'published'")),
    )

    id = db.Column(db.Integer, primary_key=True)
    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id"), nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    number = db.Column(db.Integer, nullable=False)  # 1 is the opening post
    reply_to_id = db.Column(db.Integer, db.ForeignKey("posts.id"))
    body_source = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    edited_at = db.Column(db.DateTime)
    revision_count = db.Column(db.Integer, nullable=False, default=0)
    like_count = db.Column(db.Integer, nullable=False, default=0)
    # The author's role when writing: staff posts carry a badge for as long as they exist.
    by_staff = db.Column(db.Boolean, nullable=False, default=False)
    state = db.Column(db.String(10), nullable=False, default="published", index=True)
    state_reason = db.Column(db.String(500), nullable=False, default="")  # shown to the author
    deleted_at = db.Column(db.DateTime)
    deleted_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    # VADER compound score of the text, -1 (negative) to 1 (positive), computed at write.
    sentiment = db.Column(db.Float, nullable=False, default=0.0)

    thread = db.relationship("Thread", foreign_keys=[thread_id])
    author = db.relationship("User", foreign_keys=[author_id])
    reply_to = db.relationship("Post", remote_side=[id])

    @property
    def is_visible(self):
        return self.state == "published" and self.deleted_at is None

    def __repr__(self):
        return f"<Post {self.id} #{self.number} in {self.thread_id}>"


class PostRevision(db.Model):
    """The text of a post before each edit; the current text lives on the post."""

    __tablename__ = "post_revisions"

    id = db.Column(db.Integer, primary_key=True)
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    body_source = db.Column(db.Text, nullable=False)
    title = db.Column(db.String(200))  # the thread title before the edit, for opening posts
    edited_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    edited_by = db.relationship("User")


class PostLike(db.Model):
    __tablename__ = "post_likes"

    post_id = db.Column(db.Integer, db.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ThreadFollow(db.Model):
    __tablename__ = "thread_follows"

    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ListingVersion(db.Model):
    """One shard of the listing version: the sum over shards grows with every commit that changes a listing.

    Writers add one to a shard chosen per transaction (forum/cache.py), so concurrent writers rarely wait on
    the same row; readers key stored listing pages by the sum.
    """

    __tablename__ = "listing_versions"

    shard = db.Column(db.Integer, primary_key=True, autoincrement=False)
    version = db.Column(db.BigInteger, nullable=False, default=0)
