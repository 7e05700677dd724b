"""Reads for forum pages: listings and thread pages with a bounded number of queries."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import permissions
from ..extensions import db
from .models import Category, Post, Thread


def visible_categories(user):
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.name)).all()
    return [c for c in categories if permissions.can_view_category(user, c)]


def latest_threads(user, page=1, per_page=30):
    """Threads by last activity, pinned first, in categories the viewer may see."""
    category_ids = [c.id for c in visible_categories(user)]
    stmt = (
        select(Thread)
        .where(Thread.deleted_at.is_(None), Thread.redirect_to_id.is_(None), Thread.category_id.in_(category_ids))
        .options(selectinload(Thread.author), selectinload(Thread.last_poster))
        .order_by(Thread.pinned.desc(), Thread.last_posted_at.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def thread_posts(user, thread, page=1, per_page=20):
    """A page of a thread's posts the viewer may see, with authors loaded in one query."""
    stmt = select(Post).where(Post.thread_id == thread.id)
    if not permissions.is_moderator(user):
        visible = (Post.state == "published") & Post.deleted_at.is_(None)
        if user.is_authenticated:
            visible = visible | ((Post.author_id == user.id) & Post.deleted_at.is_(None))
        stmt = stmt.where(visible)
    stmt = stmt.options(selectinload(Post.author)).order_by(Post.number)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
