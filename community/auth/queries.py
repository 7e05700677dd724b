"""Reads about people: the member directory, interest chips, a profile's recent activity, invitations."""
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from .. import permissions
from ..extensions import db
from ..forum.models import Category, Post, Thread
from .models import Invitation, User, UserInterest


def _like_pattern(text):
    """A LIKE pattern matching text literally (%, _ and the escape character are escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def member_directory(interest=None, query=None, page=1, per_page=40):
    """Active members, alphabetically, optionally sharing an interest or matching a name."""
    stmt = select(User).where(User.suspended_at.is_(None))
    interest = (interest or "").strip().lower()
    if interest:
        stmt = stmt.where(User.id.in_(select(UserInterest.user_id).where(UserInterest.name == interest)))
    query = (query or "").strip().lower()
    if query:
        pattern = _like_pattern(query)
        stmt = stmt.where(User.username_lower.like(pattern, escape="\\")
                          | func.lower(User.display_name).like(pattern, escape="\\"))
    stmt = stmt.order_by(User.username_lower)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def popular_interests(limit=24):
    """The interests most members share, as (name, count), for the directory's chips."""
    count = func.count(UserInterest.user_id)
    stmt = (
        select(UserInterest.name, count)
        .join(User, User.id == UserInterest.user_id)
        .where(User.suspended_at.is_(None))
        .group_by(UserInterest.name)
        .order_by(count.desc(), UserInterest.name)
        .limit(limit)
    )
    return [(name, n) for name, n in db.session.execute(stmt)]


def _visible_category_ids(viewer):
    categories = db.session.scalars(select(Category)).all()
    return [c.id for c in categories if permissions.can_view_category(viewer, c)]


def recent_threads(viewer, user, limit=10):
    """The member's latest threads the viewer may see (published, not deleted, visible category)."""
    # A thread whose opening post is held for review or hidden is not shown on a public profile.
    opening_published = (
        select(Post.id)
        .where(Post.thread_id == Thread.id, Post.number == 1, Post.state == "published", Post.deleted_at.is_(None))
        .exists()
    )
    stmt = (
        select(Thread)
        .where(Thread.author_id == user.id, Thread.deleted_at.is_(None), Thread.redirect_to_id.is_(None),
               Thread.category_id.in_(_visible_category_ids(viewer)), opening_published)
        .order_by(Thread.created_at.desc())
        .limit(limit)
    )
    return db.session.scalars(stmt).all()


def recent_posts(viewer, user, limit=10):
    """The member's latest published replies in threads the viewer may see."""
    stmt = (
        select(Post)
        .join(Post.thread)
        .where(Post.author_id == user.id, Post.number > 1, Post.state == "published",
               Post.deleted_at.is_(None), Thread.deleted_at.is_(None),
               Thread.category_id.in_(_visible_category_ids(viewer)))
        .options(contains_eager(Post.thread))
        .order_by(Post.created_at.desc())
        .limit(limit)
    )
    return db.session.scalars(stmt).all()


def invitation_counts():
    """{'pending': n, 'accepted': n} over every invitation."""
    accepted = func.count(Invitation.accepted_at)
    total, done = db.session.execute(select(func.count(Invitation.id), accepted)).one()
    return {"pending": total - done, "accepted": done}


def invitations(page=1, per_page=50, status=None):
    """Invitations, newest first, with who sent them and who joined."""
    stmt = select(Invitation).options(selectinload(Invitation.invited_by), selectinload(Invitation.accepted_user))
    if status == "pending":
        stmt = stmt.where(Invitation.accepted_at.is_(None))
    elif status == "accepted":
        stmt = stmt.where(Invitation.accepted_at.is_not(None))
    stmt = stmt.order_by(Invitation.created_at.desc(), Invitation.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
