"""Reads for the floor: the chime-in queue and the spotlight meter, each in a fixed number of queries."""
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import Integer, and_, case, cast, exists, func, select
from sqlalchemy.orm import aliased, lazyload, selectinload

from .. import permissions
from ..auth.models import User
from ..database import utcnow
from ..extensions import db
from ..forum.models import Category, Post, Thread
from ..moderation.models import Flag
from ..posting.promo import spotlight_share
from ..settings import get_setting
from .models import FloorMark

SPOTLIGHT_PERIODS = (7, 30, 90)
MOOD_WINDOW_POSTS = 5  # the mood of a thread is the mean of its latest few posts
MOOD_RECENT_DAYS = 7


def _limit():
    return current_app.config.get("FLOOR_ITEMS_PER_SECTION", 25)


def _lookback(now):
    # Threads older than this have drifted out of the room; the queue stays about the present.
    return now - timedelta(days=current_app.config.get("FLOOR_LOOKBACK_DAYS", 60))


def _public_categories():
    """Staff-only categories are staff talking among themselves: no chiming in, no spotlight."""
    return select(Category.id).where(Category.staff_only.is_(False))


def _no_user_interests(*relationships):
    return [selectinload(r).options(lazyload(User.interests)) for r in relationships]


@dataclass
class QueueThread:
    thread: Thread
    first_thread: bool = False
    mood: float = None
    waiting_since: object = None


@dataclass
class QueuePost:
    post: Post
    flag_count: int = 0
    reasons: list = field(default_factory=list)  # (reason, text) of unresolved flags
    since: object = None


@dataclass
class ChimeInQueue:
    waiting: list
    newcomers: list
    sour: list
    flagged: list
    held: list
    chime_in_after_minutes: int
    mood_below: float

    @property
    def total(self):
        return len(self.waiting) + len(self.newcomers) + len(self.sour) + len(self.flagged) + len(self.held)


def _is_first_thread():
    earlier = aliased(Thread)
    return ~exists().where(earlier.author_id == Thread.author_id, earlier.id < Thread.id)


def _unanswered_threads(now):
    """Open threads by members, opened by a published post, with no reply yet."""
    opening = aliased(Post)
    return (
        select(Thread, _is_first_thread().label("first_thread"))
        .join(opening, and_(opening.thread_id == Thread.id, opening.number == 1))
        .join(User, User.id == Thread.author_id)
        .where(Thread.deleted_at.is_(None), Thread.redirect_to_id.is_(None), Thread.locked.is_(False),
               Thread.reply_count == 0, Thread.created_at >= _lookback(now),
               opening.state == "published", opening.deleted_at.is_(None), opening.by_staff.is_(False),
               permissions.customers_only(User.role))
        .options(*_no_user_interests(Thread.author))
    )


def waiting_threads(now):
    """Threads with no reply after the chime-in delay, oldest waiting first."""
    minutes = int(get_setting("chime_in_after_minutes"))
    stmt = (_unanswered_threads(now).where(Thread.created_at <= now - timedelta(minutes=minutes))
            .order_by(Thread.created_at, Thread.id).limit(_limit()))
    return [QueueThread(t, bool(first), waiting_since=t.created_at) for t, first in db.session.execute(stmt)]


def newcomer_threads(now):
    """Newcomers' first threads still inside the chime-in delay: worth a warm reply before it runs out."""
    minutes = int(get_setting("chime_in_after_minutes"))
    stmt = (_unanswered_threads(now)
            .where(Thread.created_at > now - timedelta(minutes=minutes), _is_first_thread())
            .order_by(Thread.created_at, Thread.id).limit(_limit()))
    return [QueueThread(t, True, waiting_since=t.created_at) for t, _first in db.session.execute(stmt)]


def _sour_statement(now, thread_id=None, before_post_id=None):
    """The sour-threads query; for one thread and as it stood before one of its posts when asked."""
    below = float(get_setting("negative_mood_below"))
    recent = select(Thread.id).where(Thread.deleted_at.is_(None), Thread.redirect_to_id.is_(None),
                                     Thread.category_id.in_(_public_categories()),
                                     Thread.last_posted_at >= now - timedelta(days=MOOD_RECENT_DAYS))
    if thread_id is not None:
        recent = recent.where(Thread.id == thread_id)
    in_window = [Post.thread_id.in_(recent), Post.state == "published", Post.deleted_at.is_(None)]
    if before_post_id is not None:
        in_window.append(Post.id < before_post_id)
    ranked = (
        select(Post.thread_id, Post.id, Post.sentiment, Post.by_staff,
               func.row_number().over(partition_by=Post.thread_id, order_by=Post.number.desc()).label("rn"))
        .where(*in_window)
        .subquery()
    )
    mood = (
        select(ranked.c.thread_id, func.avg(ranked.c.sentiment).label("mood"),
               func.max(ranked.c.id).label("newest_id"),
               func.max(case((ranked.c.rn == 1, cast(ranked.c.by_staff, Integer)), else_=0)).label("staff_last"))
        .where(ranked.c.rn <= MOOD_WINDOW_POSTS)
        .group_by(ranked.c.thread_id)
        .having(func.count() >= 2, func.avg(ranked.c.sentiment) < below)
        .subquery()
    )
    handled = exists().where(FloorMark.kind == "mood", FloorMark.thread_id == mood.c.thread_id,
                             FloorMark.last_post_id >= mood.c.newest_id)
    return (
        select(Thread, mood.c.mood)
        .join(mood, mood.c.thread_id == Thread.id)
        .where(mood.c.staff_last == 0, ~handled)
        .order_by(mood.c.mood, Thread.id)
    )


def sour_threads(now):
    """Threads whose latest posts average a mood below the threshold, unless staff marked them handled
    since the newest post or a staff member wrote the newest post (someone already chimed in)."""
    stmt = _sour_statement(now).limit(_limit()).options(*_no_user_interests(Thread.author))
    return [QueueThread(t, mood=round(m, 2), waiting_since=t.last_posted_at) for t, m in db.session.execute(stmt)]


def is_sour(thread_id, before_post_id=None, now=None):
    """Whether one thread is on the sour list (or was, just before the post before_post_id)."""
    stmt = _sour_statement(now or utcnow(), thread_id, before_post_id).with_only_columns(Thread.id)
    return db.session.scalar(stmt) is not None


def _post_options():
    return [*_no_user_interests(Post.author), selectinload(Post.thread).options(*_no_user_interests(Thread.author)),
            lazyload(Post.reply_to)]


def flagged_posts():
    """Posts with unresolved flags, longest waiting first, with the flags' reasons."""
    stmt = (
        select(Post, func.count(Flag.id), func.min(Flag.created_at))
        .join(Flag, Flag.post_id == Post.id)
        .where(Flag.resolved_at.is_(None), Post.deleted_at.is_(None))
        .group_by(Post.id)
        .order_by(func.min(Flag.created_at), Post.id)
        .limit(_limit())
        .options(*_post_options())
    )
    items = [QueuePost(post, count, since=since) for post, count, since in db.session.execute(stmt)]
    if items:
        by_post = {item.post.id: item for item in items}
        rows = db.session.execute(
            select(Flag.post_id, Flag.reason, Flag.text)
            .where(Flag.post_id.in_(by_post), Flag.resolved_at.is_(None)).order_by(Flag.id))
        for post_id, reason, text in rows:
            by_post[post_id].reasons.append((reason, text))
    return items


def held_posts():
    """Posts held for review by community policy, oldest first."""
    stmt = (select(Post).where(Post.state == "held", Post.deleted_at.is_(None))
            .order_by(Post.created_at, Post.id).limit(_limit()).options(*_post_options()))
    return [QueuePost(post, since=post.created_at) for post in db.session.scalars(stmt)]


def chime_in_queue(now=None):
    """Everything on the floor that wants a host's attention now."""
    now = now or utcnow()
    return ChimeInQueue(
        waiting=waiting_threads(now), newcomers=newcomer_threads(now), sour=sour_threads(now),
        flagged=flagged_posts(), held=held_posts(),
        chime_in_after_minutes=int(get_setting("chime_in_after_minutes")),
        mood_below=float(get_setting("negative_mood_below")),
    )


@dataclass
class ThreadShare:
    thread: Thread
    posts: int
    staff_posts: int
    share: float  # within the period
    whole_share: float  # across the whole thread: what the composer warns about
    marked: bool


@dataclass
class SpotlightMeter:
    days: int
    posts: int
    staff_posts: int
    max_share: float
    threads: list

    @property
    def share(self):
        return self.staff_posts / self.posts if self.posts else 0.0

    @property
    def marked(self):
        return self.share > self.max_share


def spotlight(days=30, now=None):
    """Share of staff posts across the community and per thread over the last `days` days."""
    days = days if days in SPOTLIGHT_PERIODS else 30
    since = (now or utcnow()) - timedelta(days=days)
    max_share = float(get_setting("spotlight_max_staff_share"))
    public_threads = select(Thread.id).where(Thread.category_id.in_(_public_categories()))
    in_period = (Post.state == "published", Post.deleted_at.is_(None), Post.created_at >= since,
                 Post.thread_id.in_(public_threads))
    staff = func.coalesce(func.sum(cast(Post.by_staff, Integer)), 0)
    posts, staff_posts = db.session.execute(select(func.count(Post.id), staff).where(*in_period)).one()
    per_thread = (
        select(Post.thread_id, func.count(Post.id).label("posts"), staff.label("staff_posts"))
        .where(*in_period).group_by(Post.thread_id).having(staff > 0).subquery()
    )
    stmt = (
        select(Thread, per_thread.c.posts, per_thread.c.staff_posts)
        .join(per_thread, per_thread.c.thread_id == Thread.id)
        .where(Thread.deleted_at.is_(None))
        .order_by((per_thread.c.staff_posts * 1.0 / per_thread.c.posts).desc(), per_thread.c.posts.desc(),
                  Thread.id)
        .limit(_limit())
        .options(*_no_user_interests(Thread.author))
    )
    threads = []
    for thread, count, staff_count in db.session.execute(stmt):
        whole = spotlight_share(thread)
        threads.append(ThreadShare(thread, count, staff_count, staff_count / count, whole, whole > max_share))
    return SpotlightMeter(days, posts, int(staff_posts), max_share, threads)
