"""Which writes change which stored pages: one explicit table, applied in the writing transaction.

Stored pages and fragments (forum/cache.py, forum/stored_pages.py, forum/member_pages.py) are keyed by a
thread's `version` and by the listing version, never by time. A flush that changes what a page shows adds one
to the versions named in `INVALIDATES`, with plain SQL in the same transaction, so the first reader after the
commit computes another key and no stored page outlives the write, in any process or on any machine.

Rows of a model in `QUIET` change no stored page: a member's own follow, vote or like state is drawn into the
page per member, notifications and floor marks show elsewhere, views are tallied apart. A model in neither
set is a mistake the test suite catches (tests/forum/test_invalidation.py), so every new table is classified.
"""
import random
from dataclasses import dataclass

from sqlalchemy import bindparam, event, func, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..auth.models import Invitation, MemberSession, SignInFailure, User, UserInterest
from ..chat.models import Message, MessageRevision, Room, RoomMember
from ..hosting.models import FloorMark, Introduction, MemberNote, Welcome
from ..ideas.models import RequestStatusChange, Vote
from ..moderation.models import AuditEntry, Flag
from ..notifications.models import Notification
from ..search.models import OutboxEntry, SavedSearch
from ..settings import Setting
from .models import Category, ListingVersion, Post, PostLike, PostRevision, Tag, Thread, ThreadFollow, thread_tags

# What a change reaches. A thread page is reached through one of these; listings are one set of pages.
THREAD = "the row's own thread page"             # rows with a thread_id (old and new, when it moves)
THREAD_OF_POST = "the page of the row's post"     # rows with a post_id
THREADS_BY_AUTHOR = "every thread the user wrote in"
THREADS_IN_CATEGORY = "every thread in the category"
THREADS_TAGGED = "every thread carrying the tag"
LISTINGS = "the listings and the categories page"
EVERY_THREAD = "every thread page"


@dataclass(frozen=True)
class Change:
    """Writes of a model that touch `fields` (None: any column but `ignoring`) reach `pages`.

    Inserts reach them unless `on_insert` is false; deletes always do."""

    pages: tuple
    fields: frozenset | None = None
    ignoring: frozenset = frozenset()
    on_insert: bool = True

    def matches(self, state, changed):
        if state == "insert":
            return self.on_insert
        if state == "delete":
            return True
        changed = changed - self.ignoring
        return bool(changed if self.fields is None else changed & self.fields)


# The table. Read each line as: "a write of <model> (to <fields>) changes <pages>".
INVALIDATES = {
    # A reply, an edit, a hide, a deletion, a post moved to another thread. Listings show only whether a
    # thread's opening post is published (its counters live on the thread), so body edits leave them alone.
    Post: (Change((THREAD,)),
           Change((LISTINGS,), fields=frozenset({"state", "deleted_at", "thread_id", "number"}))),
    # Like counts show on the post; the thread's own total moves with it and reaches listings through Thread.
    PostLike: (Change((THREAD_OF_POST,)),),
    # Title, category (a move), tags, pin, lock, close timer, counters, request status: all but its views,
    # which are tallied apart and shown as they were until the next write.
    Thread: (Change((THREAD, LISTINGS), ignoring=frozenset({"view_count"})),),
    Vote: (Change((THREAD,)),),                      # the vote total on the request panel
    RequestStatusChange: (Change((THREAD,)),),       # the status history on the request panel
    # Names and staff badges are printed beside every post and thread the member wrote.
    User: (Change((THREADS_BY_AUTHOR, LISTINGS), fields=frozenset({"username", "display_name", "role"}),
                  on_insert=False),),
    Category: (Change((THREADS_IN_CATEGORY, LISTINGS), fields=frozenset(
        {"name", "slug", "colour", "description", "staff_only", "read_only", "position"})),),
    Tag: (Change((THREADS_TAGGED, LISTINGS), fields=frozenset({"name"}), on_insert=False),),
    # Admins' settings are rare writes; staff composers on thread pages show the spotlight share among them.
    Setting: (Change((EVERY_THREAD,)),),
}

QUIET = frozenset({
    ThreadFollow,        # "Following" is drawn per member
    PostRevision,        # the post's edited_at and body change with it (Post)
    Notification, Flag, AuditEntry, FloorMark, MemberNote, Introduction, Welcome,
    UserInterest, Invitation, SavedSearch, OutboxEntry, ListingVersion,
    Room, RoomMember, Message, MessageRevision,
    MemberSession, SignInFailure,  # who is signed in where, and sign-in pauses: no page shows them
})


def _changed_fields(obj):
    return {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}


def _thread_ids(obj, session):
    """The thread a row belongs to (or is) now and, if it moved, the one it left."""
    if isinstance(obj, Thread):
        return {obj.id}
    ids = {getattr(obj, "thread_id", None)}
    history = inspect(obj).attrs.thread_id.history if hasattr(obj, "thread_id") else None
    if history is not None:
        ids.update(history.deleted or ())
    if isinstance(obj, Post) and obj.thread_id is None and obj.thread is not None:
        ids.add(obj.thread.id)  # a new post linked by relationship: thread_id is set during the flush
    return ids


def _post_thread_id(obj, session):
    post = session.get(Post, obj.post_id)
    return post.thread_id if post is not None else None


class PendingChanges:
    """What a transaction has reached so far, collected at each flush."""

    def __init__(self):
        self.threads, self.authors, self.categories, self.tags = set(), set(), set(), set()
        self.listings = self.every_thread = False

    def reach(self, pages, obj, session):
        for page in pages:
            if page == THREAD:
                self.threads.update(_thread_ids(obj, session))
            elif page == THREAD_OF_POST:
                self.threads.add(_post_thread_id(obj, session))
            elif page == THREADS_BY_AUTHOR:
                self.authors.add(obj.id)
            elif page == THREADS_IN_CATEGORY:
                self.categories.add(obj.id)
            elif page == THREADS_TAGGED:
                self.tags.add(obj.id)
            elif page == LISTINGS:
                self.listings = True
            elif page == EVERY_THREAD:
                self.every_thread = True
        self.threads.discard(None)


def collect(session, pending):
    """Apply the table to every row the coming flush writes."""
    for state, rows in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in list(rows):
            changes = INVALIDATES.get(type(obj))
            if changes is None:
                continue
            changed = _changed_fields(obj) if state == "update" else set()
            for change in changes:
                if change.matches(state, changed):
                    pending.reach(change.pages, obj, session)


def _before_flush(session, flush_context, instances):
    pending = session.info.setdefault("page_changes", PendingChanges())
    collect(session, pending)


def _after_flush(session, flush_context):
    """Bump thread versions in the flushing transaction: committed together with the write or not at all."""
    pending = session.info.get("page_changes")
    if pending is None:
        return
    bump_thread_versions_now(session.connection(), pending)
    session.info["listings_changed"] = session.info.get("listings_changed") or pending.listings
    session.info["page_changes"] = PendingChanges()


def bump_thread_versions_now(connection, pending):
    threads = Thread.__table__
    bump = update(threads).values(version=threads.c.version + 1)
    if pending.every_thread:
        connection.execute(bump)
        return
    if pending.threads:
        connection.execute(bump.where(threads.c.id.in_(sorted(pending.threads))))
    if pending.authors:
        authored = select(Post.__table__.c.thread_id).where(Post.__table__.c.author_id.in_(sorted(pending.authors)))
        connection.execute(bump.where(threads.c.id.in_(authored)))
    if pending.categories:
        connection.execute(bump.where(threads.c.category_id.in_(sorted(pending.categories))))
    if pending.tags:
        tagged = select(thread_tags.c.thread_id).where(thread_tags.c.tag_id.in_(sorted(pending.tags)))
        connection.execute(bump.where(threads.c.id.in_(tagged)))


def changed_with_plain_sql(session, thread_ids, listings=True):
    """For writers that change what pages show with plain SQL, which the flush listener cannot see."""
    pending = PendingChanges()
    pending.threads.update(thread_ids)
    bump_thread_versions_now(session.connection(), pending)
    if listings:
        session.info["listings_changed"] = True


# The listing version is the sum of a few counters. Each transaction that changes a listing adds one to a
# counter picked at random, as its very last statement (just before COMMIT): on PostgreSQL the row lock is
# then held only while committing, and two writers wait on each other only when they pick the same row. The
# sum grows with every such commit, and a reader reads it before the listing, so a page stored under a sum
# holds every change committed up to that sum (and perhaps newer ones): never an older page.
LISTING_SHARDS = 8


def _before_commit(session):
    if session.in_nested_transaction():
        return  # a savepoint: the enclosing transaction bumps when it commits
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the commit would flush anyway, now, so the bump below is the last write
    if session.info.pop("listings_changed", False):
        session.connection().execute(_listing_bump(session.get_bind().dialect.name),
                                     {"shard": random.randrange(LISTING_SHARDS)})


def _after_transaction_end(session, transaction):
    if transaction.parent is None:
        session.info.pop("listings_changed", None)  # rolled back: nothing to announce
        session.info.pop("page_changes", None)


_LISTING_BUMPS = {}


def _listing_bump(dialect):
    """INSERT … ON CONFLICT DO UPDATE adding one to a shard (rows are created on first use), built once."""
    if dialect not in _LISTING_BUMPS:
        table = ListingVersion.__table__
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
        stmt = insert(table).values(shard=bindparam("shard"), version=1)
        _LISTING_BUMPS[dialect] = stmt.on_conflict_do_update(index_elements=[table.c.shard],
                                                             set_={"version": table.c.version + 1})
    return _LISTING_BUMPS[dialect]


LISTING_VERSION = select(func.coalesce(func.sum(ListingVersion.__table__.c.version), 0))


def listing_version(connection):
    """The current listing version: read it before reading a listing, and key the page by it."""
    return connection.execute(LISTING_VERSION).scalar_one()


_LISTENERS = (("before_flush", _before_flush), ("after_flush", _after_flush),
              ("before_commit", _before_commit), ("after_transaction_end", _after_transaction_end))


def register_listeners():
    """Listen to every session (the app's and the demo loader's alike); idempotent."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
