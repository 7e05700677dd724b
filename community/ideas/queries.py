"""Reads for feature requests: the board, its export rows, a thread's request panel and similar threads."""
import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import lazyload, selectinload

from .. import permissions
from ..auth.models import User
from ..database import utcnow
from ..extensions import db
from ..forum.models import REQUEST_STATUSES, Category, Thread
from ..search import queries as search_queries
from .models import RequestStatusChange, Vote

SORTS = {
    "votes": "Most votes",
    "voters": "Most customer voters",
    "newest": "Newest",
    "trending": "Trending (recent votes)",
}
DEFAULT_SORT = "votes"
HISTORY_SHOWN = 10
SIMILAR_LIMIT = 5
# Words too common to say two titles are about the same thing.
STOP_WORDS = frozenset("""a about add allow an and any are as at be but by can could do does for from get have how
i if in into is it its let like make me more my need no not of on or please should so some support than that the
their them there this to up us use want way we what when which while why will with would you your""".split())
SUFFIXES = ("ings", "ing", "ly", "ed", "es", "s")


def trending_days():
    return current_app.config.get("IDEAS_TRENDING_DAYS", 7)


def _visible_requests(user):
    """Feature requests the viewer may see, merged and deleted ones left out."""
    visible_categories = select(Category.id)
    if not permissions.is_staff(user):
        visible_categories = visible_categories.where(Category.staff_only.is_(False))
    return select(Thread).where(
        Thread.is_feature_request.is_(True),
        Thread.deleted_at.is_(None),
        Thread.redirect_to_id.is_(None),
        Thread.category_id.in_(visible_categories),
    )


def _staff_votes(thread_ids=None):
    """Votes by staff, per thread: few, so found through the role index rather than by counting every vote."""
    staff_ids = select(User.id).where(User.role.in_(permissions.STAFF_ROLES))
    stmt = select(Vote.thread_id, func.count(Vote.user_id).label("staff")).where(Vote.user_id.in_(staff_ids))
    if thread_ids is not None:
        stmt = stmt.where(Vote.thread_id.in_(thread_ids))
    return stmt.group_by(Vote.thread_id)


def _since():
    return utcnow() - timedelta(days=trending_days())


def _recent_votes(thread_ids):
    """Recent votes per thread for a page of threads."""
    return (select(Vote.thread_id, func.count(Vote.user_id).label("recent"))
            .where(Vote.created_at >= _since(), Vote.thread_id.in_(thread_ids)).group_by(Vote.thread_id))


def _recent_vote_count():
    """A thread's recent votes as a correlated subquery: one short index range per request, where a grouped
    subquery over every recent vote leaves SQLite's planner scanning all votes."""
    return (select(func.count()).select_from(Vote)
            .where(Vote.thread_id == Thread.id, Vote.created_at >= _since()).correlate(Thread).scalar_subquery())


def board_statement(user, status=None, category=None, sort=DEFAULT_SORT):
    """The board's threads as one SELECT, filtered and sorted; shared by the page and the CSV export."""
    stmt = _visible_requests(user)
    if status in REQUEST_STATUSES:
        stmt = stmt.where(Thread.request_status == status)
    if category is not None:
        stmt = stmt.where(Thread.category_id == category.id)
    if sort == "newest":
        stmt = stmt.order_by(Thread.created_at.desc(), Thread.id.desc())
    elif sort == "voters":
        # Customer voters: every vote but the staff's (one vote per member, so votes are voters).
        staff = _staff_votes().subquery()
        stmt = stmt.outerjoin(staff, staff.c.thread_id == Thread.id).order_by(
            (Thread.vote_count - func.coalesce(staff.c.staff, 0)).desc(), Thread.vote_count.desc(), Thread.id.desc())
    elif sort == "trending":
        stmt = stmt.order_by(_recent_vote_count().desc(), Thread.vote_count.desc(), Thread.id.desc())
    else:
        stmt = stmt.order_by(Thread.vote_count.desc(), Thread.created_at.desc(), Thread.id.desc())
    return stmt.options(selectinload(Thread.author).options(lazyload(User.interests)))


def board(user, status=None, category=None, sort=DEFAULT_SORT, page=1, per_page=None):
    """A page of the feature-request board."""
    per_page = per_page or current_app.config.get("IDEAS_PER_PAGE", 30)
    return db.paginate(board_statement(user, status, category, sort), page=page, per_page=per_page,
                       error_out=False)


@dataclass
class RowStats:
    voters: int = 0
    recent: int = 0


def row_stats(threads):
    """Customer voters and recent votes for a page of threads, in two queries whatever its size."""
    ids = [t.id for t in threads]
    stats = {t.id: RowStats(voters=t.vote_count) for t in threads}
    if not ids:
        return stats
    for thread_id, count in db.session.execute(_staff_votes(ids)):
        stats[thread_id].voters -= count
    for thread_id, count in db.session.execute(_recent_votes(ids)):
        stats[thread_id].recent = count
    return stats


def export_rows(user, status=None, category=None, sort=DEFAULT_SORT, batch=500):
    """Every thread on the filtered board, streamed in batches so a big export stays small in memory."""
    stmt = board_statement(user, status, category, sort).execution_options(yield_per=batch)
    yield from db.session.scalars(stmt)


def board_categories(user):
    """Categories the viewer may see, for the board's filter."""
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.name))
    return [c for c in categories if permissions.can_view_category(user, c)]


@dataclass
class PanelState:
    """What a thread page's request panel shows the viewer."""

    voted: bool = False
    history: list = field(default_factory=list)


def panel_state(user, thread):
    """The viewer's vote and the latest status changes, for the thread page's request panel."""
    state = PanelState()
    if getattr(user, "is_authenticated", False):
        state.voted = db.session.get(Vote, (thread.id, user.id)) is not None
    if thread.is_feature_request:
        state.history = db.session.scalars(
            select(RequestStatusChange).where(RequestStatusChange.thread_id == thread.id)
            .options(selectinload(RequestStatusChange.actor).options(lazyload(User.interests)))
            .order_by(RequestStatusChange.created_at.desc(), RequestStatusChange.id.desc()).limit(HISTORY_SHOWN)
        ).all()
    return state


def status_history(thread):
    return db.session.scalars(select(RequestStatusChange).where(RequestStatusChange.thread_id == thread.id)
                              .order_by(RequestStatusChange.id)).all()


def _stem(word):
    """A crude English stem (billing, bills: bill), so a substring match finds the other forms."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[:-len(suffix)]
    return word


def _significant_words(text, limit=8):
    words = []
    for word in re.findall(r"[^\W_]{3,}", (text or "").lower()):
        word = _stem(word)
        if word not in STOP_WORDS and word not in words:
            words.append(word)
    return words[:limit]


def _like_escape(word):
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def similar_by_title(user, title, body="", limit=SIMILAR_LIMIT, exclude_id=None):
    """Threads whose titles share the most significant words with the draft: the fallback when the
    search index finds nothing (not built yet, or a moment behind)."""
    words = _significant_words(title) or _significant_words(body)
    if not words:
        return []
    matches = [Thread.title.ilike(f"%{_like_escape(w)}%", escape="\\") for w in words]
    score = sum((case((m, 1), else_=0) for m in matches), start=literal(0))
    stmt = select(Thread).where(
        Thread.deleted_at.is_(None), Thread.redirect_to_id.is_(None), or_(*matches),
        Thread.category_id.in_([c.id for c in board_categories(user)]),
    )
    if exclude_id is not None:
        stmt = stmt.where(Thread.id != exclude_id)
    stmt = stmt.order_by(score.desc(), Thread.is_feature_request.desc(), Thread.vote_count.desc(),
                         Thread.last_posted_at.desc()).limit(limit)
    return db.session.scalars(stmt).all()


def similar_threads(user, title, body="", limit=SIMILAR_LIMIT, exclude_id=None):
    """Existing threads like the draft, and which way they were found: the search index's similarity first;
    titles sharing words when the index has nothing (not built yet, or behind)."""
    threads = search_queries.similar_threads(user, title, body, limit, exclude_thread_id=exclude_id)
    if threads:
        return threads, "search"
    return similar_by_title(user, title, body, limit, exclude_id), "title"
