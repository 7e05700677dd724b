"""Reads for forum pages: listings and thread pages with a bounded number of queries.

Every page-level read lives here so a cache can later wrap these functions in one place.
"""
import time
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload, selectinload

from .. import permissions
from ..auth.models import User
from ..database import utcnow
from ..extensions import db
from .models import Category, Post, PostLike, PostRevision, Tag, Thread, ThreadFollow, thread_tags

LISTING_ORDERS = ("latest", "top", "unanswered")
TOP_PERIODS = {"day": 1, "week": 7, "month": 30, "year": 365, "all": None}
DEFAULT_TOP_PERIOD = "month"


def visible_categories(user):
    """Categories the viewer may see, in their set order."""
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.name)).all()
    return [c for c in categories if permissions.can_view_category(user, c)]


def category_by_slug(user, slug):
    """The category at slug if the viewer may see it, else None."""
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None or not permissions.can_view_category(user, category):
        return None
    return category


def tag_by_name(name):
    return db.session.scalar(select(Tag).where(Tag.name == (name or "").lower()))


def _visible_category_ids(user):
    """A subquery of category ids the viewer may see, so listings need no extra round trip."""
    stmt = select(Category.id)
    if not permissions.is_staff(user):
        stmt = stmt.where(Category.staff_only.is_(False))
    return stmt


def list_threads(user, order="latest", category=None, tag=None, period=DEFAULT_TOP_PERIOD, page=1, per_page=30):
    """A page of threads the viewer may see: latest activity, top over a period, or unanswered."""
    stmt = select(Thread).where(
        Thread.deleted_at.is_(None),
        Thread.redirect_to_id.is_(None),
    )
    if not permissions.is_staff(user):
        # NOT IN the (few) staff-only categories rather than IN the visible ones: the planner then walks
        # the listing's order index instead of sorting every thread of every visible category.
        stmt = stmt.where(Thread.category_id.not_in(select(Category.id).where(Category.staff_only.is_(True))))
    opening = _opening_post_visibility(user)
    if opening is not None:
        stmt = stmt.where(opening)
    if category is not None:
        stmt = stmt.where(Thread.category_id == category.id)
    if tag is not None:
        stmt = stmt.where(Thread.id.in_(select(thread_tags.c.thread_id).where(thread_tags.c.tag_id == tag.id)))
    if order == "top":
        days = TOP_PERIODS.get(period, TOP_PERIODS[DEFAULT_TOP_PERIOD])
        if days is not None:
            stmt = stmt.where(Thread.created_at >= utcnow() - timedelta(days=days))
        # A like and a reply count the same: both say the thread was worth someone's time.
        stmt = stmt.order_by((Thread.like_count + Thread.reply_count).desc(), Thread.last_posted_at.desc())
    elif order == "unanswered":
        stmt = stmt.where(Thread.reply_count == 0, Thread.locked.is_(False))
        stmt = stmt.order_by(Thread.created_at.desc())
    else:
        # Pinned threads lead the general and per-category listings, not tag listings.
        if tag is None:
            stmt = stmt.order_by(Thread.pinned.desc())
        stmt = stmt.order_by(Thread.last_posted_at.desc(), Thread.id.desc())
    stmt = stmt.options(
        selectinload(Thread.author).options(lazyload(User.interests)),
        selectinload(Thread.last_poster).options(lazyload(User.interests)),
    )
    pager = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=False)
    pager.total = _cached_count(stmt, (permissions.is_staff(user), permissions.is_moderator(user),
                                       getattr(user, "id", None), order, period,
                                       getattr(category, "id", None), getattr(tag, "id", None)))
    return pager


# Counting every matching thread is the slowest part of a listing at scale, and the total only sizes the
# pager: a count at most LISTING_COUNT_TTL seconds old is good enough (a page past the end lists nothing).
LISTING_COUNT_TTL = 30


def _cached_count(stmt, key):
    _listing_counts = current_app.extensions.setdefault("tummler.listing_counts", {})
    now = time.monotonic()
    hit = _listing_counts.get(key)
    if hit is not None and now - hit[1] < LISTING_COUNT_TTL:
        return hit[0]
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).options().subquery()))
    if len(_listing_counts) > 5000:
        _listing_counts.clear()
    _listing_counts[key] = (total, now)
    return total


def _opening_post_visibility(user):
    """A thread whose opening post is held, hidden or rejected is seen only by its author and moderators."""
    if permissions.is_moderator(user):
        return None
    published = (
        select(Post.id)
        .where(Post.thread_id == Thread.id, Post.number == 1, Post.state == "published")
        .exists()
    )
    if getattr(user, "is_authenticated", False):
        return published | (Thread.author_id == user.id)
    return published


def latest_threads(user, page=1, per_page=30):
    """Threads by last activity, pinned first, in categories the viewer may see."""
    return list_threads(user, "latest", page=page, per_page=per_page)


def _post_visibility(user):
    """SQL condition for the posts of a thread the viewer may see (see permissions.can_view_post)."""
    if permissions.is_moderator(user):
        return None
    visible = (Post.state == "published") & Post.deleted_at.is_(None)
    if getattr(user, "is_authenticated", False):
        visible = visible | ((Post.author_id == user.id) & Post.deleted_at.is_(None))
    return visible


def thread_posts(user, thread, page=1, per_page=20):
    """A page of a thread's posts the viewer may see, with authors and replied-to posts preloaded."""
    stmt = select(Post).where(Post.thread_id == thread.id)
    visible = _post_visibility(user)
    if visible is not None:
        stmt = stmt.where(visible)
    stmt = stmt.options(
        selectinload(Post.author).options(lazyload(User.interests)),
        selectinload(Post.reply_to).options(
            selectinload(Post.author).options(lazyload(User.interests)), lazyload(Post.thread)),
        lazyload(Post.thread),
    ).order_by(Post.number)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


@dataclass
class ViewerState:
    """What the signed-in viewer has done on a thread page: likes given and whether they follow it."""

    liked_post_ids: set = field(default_factory=set)
    following: bool = False


def viewer_state(user, thread, posts):
    """Likes and follow state for the viewer, in at most two queries whatever the page size."""
    state = ViewerState()
    if not getattr(user, "is_authenticated", False):
        return state
    ids = [p.id for p in posts]
    if ids:
        state.liked_post_ids = set(db.session.scalars(
            select(PostLike.post_id).where(PostLike.user_id == user.id, PostLike.post_id.in_(ids))))
    state.following = db.session.scalar(
        select(func.count()).select_from(ThreadFollow)
        .where(ThreadFollow.thread_id == thread.id, ThreadFollow.user_id == user.id)) > 0
    return state


def page_of_post(user, thread, number, per_page=20):
    """The thread page on which the viewer finds post number `number`."""
    stmt = select(func.count(Post.id)).where(Post.thread_id == thread.id, Post.number < number)
    visible = _post_visibility(user)
    if visible is not None:
        stmt = stmt.where(visible)
    before = db.session.scalar(stmt) or 0
    return before // per_page + 1


def last_page(user, thread, per_page=20):
    stmt = select(func.count(Post.id)).where(Post.thread_id == thread.id)
    visible = _post_visibility(user)
    if visible is not None:
        stmt = stmt.where(visible)
    total = db.session.scalar(stmt) or 0
    return max((total + per_page - 1) // per_page, 1)


def post_by_number(thread, number):
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == number))


def post_revisions(post):
    """A post's earlier versions, newest first, with their editors."""
    return db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id)
        .options(selectinload(PostRevision.edited_by).options(lazyload(User.interests)))
        .order_by(PostRevision.number.desc())
    ).all()


def popular_tags(user, limit=20):
    """The most used tags on threads the viewer may see, with counts."""
    rows = db.session.execute(
        select(Tag.name, func.count(thread_tags.c.thread_id).label("uses"))
        .join(thread_tags, thread_tags.c.tag_id == Tag.id)
        .join(Thread, Thread.id == thread_tags.c.thread_id)
        .where(Thread.deleted_at.is_(None), Thread.category_id.in_(_visible_category_ids(user)))
        .group_by(Tag.name).order_by(func.count(thread_tags.c.thread_id).desc(), Tag.name).limit(limit)
    ).all()
    return [(name, uses) for name, uses in rows]
