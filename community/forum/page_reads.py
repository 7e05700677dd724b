"""The few reads that decide which stored page a request gets, compiled once and run on a pooled DBAPI connection.

Stored pages are answered in a fraction of a millisecond, so the reads that pick them must cost less than the
page would: going through a SQLAlchemy Connection and building a Result costs several times these one-row
queries. Each statement is compiled once per dialect; a request borrows one connection from the app's own pool
for all its reads and gives it back (the pool ends the read's transaction), so every read sees everything
committed before it, and no connection is held between requests.
"""
from contextlib import contextmanager

from sqlalchemy import and_, bindparam, exists, func, select

from ..auth.models import User
from ..auth.sessions import session_holds
from ..ideas.models import Vote
from ..notifications.actions import BELL_MAX
from ..notifications.models import Notification
from .invalidation import LISTING_VERSION
from .models import Category, Post, PostLike, Thread, ThreadFollow

threads, categories, posts = Thread.__table__, Category.__table__, Post.__table__
users, likes, follows = User.__table__, PostLike.__table__, ThreadFollow.__table__

# A thread page's version and what decides who may be given a stored copy of it; locked and closes_at say
# whether it takes replies (a close timer runs out without a write).
THREAD_STATE = (
    select(threads.c.version, threads.c.created_at, threads.c.deleted_at, threads.c.redirect_to_id,
           categories.c.staff_only, threads.c.locked, threads.c.closes_at)
    .join(categories, categories.c.id == threads.c.category_id)
    .where(threads.c.id == bindparam("thread_id")))

# The signed-in member as a stored page needs them: who they are, and the count on their bell (counted just past
# what the bell shows: it says "99+" beyond). Each statement below finds the member only while their device
# session holds (SESSION_HOLDS, the rule of auth/sessions.py).
SESSION_HOLDS = session_holds(bindparam("token_hash"))
notifications = Notification.__table__
MEMBER = (
    select(users.c.id, users.c.username, users.c.display_name, users.c.role, users.c.session_token,
           users.c.suspended_at, users.c.silenced_until, users.c.last_seen_at,
           select(func.count()).select_from(
               select(notifications.c.id)
               .where(notifications.c.user_id == bindparam("user_id"), notifications.c.read_at.is_(None))
               .limit(BELL_MAX + 1).subquery())
           .scalar_subquery().label("unread"))
    .where(users.c.id == bindparam("user_id"), SESSION_HOLDS))

# A thread page for one member, with the member (one statement: a stored page's reads must be few): the
# thread's version and state, the member's own relation to it, and whether they wrote in it. Their posts
# make the page theirs; posts of theirs that others cannot see (held, hidden, deleted) change what it shows.
OWN_POSTS = select(func.count()).where(posts.c.thread_id == threads.c.id, posts.c.author_id == users.c.id)
MEMBER_AND_THREAD = (
    select(*MEMBER.selected_columns,
           threads.c.version, threads.c.created_at, threads.c.deleted_at, threads.c.redirect_to_id,
           categories.c.staff_only, threads.c.author_id, threads.c.locked, threads.c.closes_at, threads.c.view_count,
           exists().where(follows.c.thread_id == threads.c.id, follows.c.user_id == users.c.id)
           .label("following"),
           exists().where(Vote.__table__.c.thread_id == threads.c.id, Vote.__table__.c.user_id == users.c.id)
           .label("voted"),
           OWN_POSTS.scalar_subquery().label("own_posts"),
           OWN_POSTS.where((posts.c.state != "published") | posts.c.deleted_at.is_not(None))
           .scalar_subquery().label("own_posts_unseen"))
    .select_from(users.join(threads, threads.c.id == bindparam("thread_id"))
                 .join(categories, categories.c.id == threads.c.category_id))
    .where(users.c.id == bindparam("user_id"), SESSION_HOLDS))

# Which posts of a stretch of a thread (one page: numbers first..last) the member liked.
LIKED_ON_PAGE = (
    select(posts.c.id)
    .join(likes, and_(likes.c.post_id == posts.c.id, likes.c.user_id == bindparam("user_id")))
    .where(posts.c.thread_id == bindparam("thread_id"),
           posts.c.number.between(bindparam("first"), bindparam("last"))))

# A listing for one member, with the member: the listing version, and whether the member wrote a thread that
# listings show to them alone (its opening post awaits review). Few posts await review or are hidden: a
# partial index holds just those (ix_posts_unpublished_author).
MEMBER_AND_LISTING = select(
    *MEMBER.selected_columns,
    LISTING_VERSION.scalar_subquery().label("listing_version"),
    exists().where(posts.c.state != "published", posts.c.author_id == users.c.id, posts.c.number == 1,
                   threads.c.id == posts.c.thread_id, threads.c.deleted_at.is_(None)).label("own_unpublished"),
).where(users.c.id == bindparam("user_id"), SESSION_HOLDS)


class PageReads:
    """Runs the statements above straight on DBAPI cursors, compiled once for the engine's dialect."""

    def __init__(self, engine):
        self.engine = engine
        self.errors = engine.dialect.loaded_dbapi.Error
        self._compiled = {}
        self.observers = []  # callables given each statement's SQL (tests count queries; the ORM's events miss these)

    def _statement(self, stmt):
        compiled = self._compiled.get(id(stmt))
        if compiled is None:
            dialect = self.engine.dialect
            built = stmt.compile(dialect=dialect)
            # The DBAPI gives SQLite's dates as text: convert result columns as a SQLAlchemy Result would.
            processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                          for column in stmt.selected_columns]
            compiled = self._compiled[id(stmt)] = (str(built), built,
                                                   processors if any(processors) else None)
        return compiled

    @contextmanager
    def connection(self):
        """One pooled connection for a request's reads; a broken one is not given back to the pool."""
        connection = self.engine.raw_connection()
        try:
            yield _Reader(self, connection)
        except self.errors:
            connection.invalidate()
            raise
        finally:
            connection.close()  # back to the pool, which rolls the read's transaction back

    def one(self, stmt, **values):
        with self.connection() as reader:
            return reader.one(stmt, **values)


class _Reader:
    def __init__(self, reads, connection):
        self._reads, self._connection = reads, connection

    def all(self, stmt, **values):
        sql, compiled, processors = self._reads._statement(stmt)
        params = compiled.construct_params(values)
        if compiled.positional:
            params = tuple(params[name] for name in compiled.positiontup)
        for observe in self._reads.observers:
            observe(sql)
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if processors is None:
            return rows
        return [tuple(value if convert is None or value is None else convert(value)
                      for convert, value in zip(processors, row)) for row in rows]

    def one(self, stmt, **values):
        rows = self.all(stmt, **values)
        return rows[0] if rows else None

    def listing_version(self):
        return self.one(LISTING_VERSION)[0] or 0


def init_app(app):
    """Give the app its page reads (on its own engine: tests build several apps in one process)."""
    from ..extensions import db

    with app.app_context():
        app.extensions["page_reads"] = PageReads(db.engine)
