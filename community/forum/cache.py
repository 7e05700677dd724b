"""Rendered fragments shared by anonymous readers, keyed by versions that every write bumps.

Writers never touch the cache: a session listener bumps `threads.version` in the same transaction as any
change to what a thread page shows (its posts, likes, votes, status, tags, or its authors' names), and the
listing version (`listing_versions`) as the last statement of any transaction that changes what a listing
shows, so the next reader's key differs and the old page is never served again. Fragments also expire
after a minute, because they contain relative times ("5 minutes ago"). Signed-in viewers see their own
controls and never get a shared fragment.
"""
import random
import threading
import time
from collections import OrderedDict

from flask import current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import bindparam, event, func, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .. import permissions
from ..auth.models import User
from ..extensions import db
from .models import Category, ListingVersion, Post, Tag, Thread

# Changes to these alone do not alter what a reader sees on the thread page.
QUIET_THREAD_FIELDS = frozenset({"view_count"})
USER_FIELDS_SHOWN = frozenset({"username", "display_name", "role"})
CATEGORY_FIELDS_SHOWN = frozenset({"name", "slug", "colour", "description"})


class FragmentCache:
    """A bounded, thread-safe LRU of rendered HTML with a time to live, one per app and process."""

    def __init__(self, max_entries=512, ttl=60.0, clock=time.monotonic):
        self.max_entries, self.ttl, self.clock = max_entries, ttl, clock
        self._entries = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[1] <= self.clock():
                self.misses += 1
                if entry is not None:
                    del self._entries[key]
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def set(self, key, html):
        with self._lock:
            self._entries[key] = (html, self.clock() + self.ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self):
        with self._lock:
            self._entries.clear()


def init_app(app):
    """Give the app its fragment cache and the Jinja `shared_fragment` call block."""
    app.config.setdefault("PAGE_CACHE_ENTRIES", 512)
    app.config.setdefault("PAGE_CACHE_SECONDS", 60)
    app.extensions["fragment_cache"] = FragmentCache(app.config["PAGE_CACHE_ENTRIES"], app.config["PAGE_CACHE_SECONDS"])
    app.jinja_env.globals["shared_fragment"] = shared_fragment
    register_version_listener()


def fragment_cache():
    return current_app.extensions["fragment_cache"]


def shareable():
    """Only anonymous viewers see exactly what every other anonymous viewer sees."""
    return not current_user.is_authenticated and current_app.config.get("PAGE_CACHE_SECONDS", 0) > 0


def thread_key(thread, *parts):
    """The cache key of a fragment of this thread's page, or None when this viewer must not share one."""
    if not shareable():
        return None
    # created_at guards against a recreated database reusing ids with version numbers starting over.
    return ("thread", thread.id, thread.created_at, thread.version, *parts)


def shared_fragment(key, caller):
    """Jinja call block: {% call shared_fragment(key) %}…{% endcall %} renders the body once per key."""
    if key is None:
        return caller()
    cache = fragment_cache()
    html = cache.get(key)
    if html is None:
        html = str(caller())
        cache.set(key, html)
    return Markup(html)


# --- whole anonymous thread pages, less the CSRF token ------------------------
# Visitors without any session cookie are answered earlier still, by forum/stored_pages.py; these are for
# anonymous readers who carry a session (a CSRF token from the sign-in form, say).

TOKEN_SLOT = "\x00csrf-token\x00"


def page_query(query_string):
    """The query string in one spelling when it only picks a page or a period, else None (Flask answers).

    Stored pages share a bounded cache: keying them by any query string would let made-up parameters
    (`?x=1`, `?x=2`, …) push every real page out. Only what the reading pages understand is stored."""
    if not query_string:
        return ""
    if len(query_string) > 64:
        return None
    chosen = {}
    for name, _, value in (part.partition("=") for part in query_string.split("&")):
        if name in chosen or not value:
            return None
        if not value.isascii():
            return None
        if name == "page" and value.isdigit() and len(value) <= 6:
            chosen[name] = str(int(value))
        elif name == "period" and value.isalpha() and len(value) <= 10:
            chosen[name] = value
        else:
            return None
    return "&".join(f"{name}={chosen[name]}" for name in sorted(chosen))


def shared_thread_page(thread_id):
    """The stored anonymous rendering of this thread page with this reader's own CSRF token, or None.

    One primary-key query checks the thread's version and visibility; deleted, moved and staff-only
    threads always take the full path (which answers 404 or redirects).
    """
    if not shareable():
        return None
    row = db.session.execute(page_state_query(), {"thread_id": thread_id}).first()
    if row is None or not permissions.may_share_stored_thread_page(row.deleted_at, row.redirect_to_id,
                                                                   row.staff_only):
        return None
    # The path and page are in the key (the page links back to them: "sign in, then return"); other query
    # strings are rendered for this reader alone, so made-up parameters cannot crowd out the shared pages.
    if session.get("_flashes"):
        return None  # this reader has a message waiting: their page is their own
    query = page_query(request.query_string.decode("latin-1"))
    if query is None:
        return None
    g.shared_page_key = ("page", thread_id, row.created_at, row.version, request.path, query)
    html = fragment_cache().get(g.shared_page_key)
    if html is None:
        return None
    # Visitors' pages carry a token only where they hold a form; a page without one starts no session.
    return html.replace(TOKEN_SLOT, generate_csrf()) if TOKEN_SLOT in html else html


_PAGE_STATE = []


def page_state_query():
    """Built once: composing the statement on every request costs more than running it."""
    if not _PAGE_STATE:
        threads, categories = Thread.__table__, Category.__table__
        _PAGE_STATE.append(
            select(threads.c.version, threads.c.created_at, threads.c.deleted_at, threads.c.redirect_to_id,
                   categories.c.staff_only)
            .join(categories, categories.c.id == threads.c.category_id)
            .where(threads.c.id == bindparam("thread_id")))
    return _PAGE_STATE[0]


def keep_thread_page(html):
    """Store a freshly rendered anonymous thread page under the key shared_thread_page computed."""
    key = g.pop("shared_page_key", None)
    if request.environ.get("tummler.visitor_page_kept"):
        return  # the visitor-page layer keeps the whole response (forum/stored_pages.py)
    if key is not None and shareable():
        token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))  # set if the page made one
        fragment_cache().set(key, html.replace(token, TOKEN_SLOT) if token else html)


# --- versions ---------------------------------------------------------------

def _thread_ids_touched(session):
    """Threads whose page a pending flush changes, and members whose shown name or role changes."""
    threads, users, categories = set(), set(), set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Thread):
            changed = _changed_fields(obj)
            if obj in session.new or changed - QUIET_THREAD_FIELDS:
                threads.add(obj.id)
        elif isinstance(obj, User):
            if obj not in session.new and _changed_fields(obj) & USER_FIELDS_SHOWN:
                users.add(obj.id)
        elif isinstance(obj, Category):
            if obj not in session.new and _changed_fields(obj) & CATEGORY_FIELDS_SHOWN:
                categories.add(obj.id)
        elif getattr(obj, "thread_id", None) is not None:
            threads.add(obj.thread_id)
        elif isinstance(obj, Post) and obj.thread is not None:
            threads.add(obj.thread.id)  # a new post linked by relationship: thread_id is set during the flush
        elif getattr(obj, "post_id", None) is not None:
            post = session.get(Post, obj.post_id)
            if post is not None:
                threads.add(post.thread_id)
    threads.discard(None)
    return threads, users, categories


def _changed_fields(obj):
    state = inspect(obj)
    if state.deleted or state.was_deleted:
        return {"*"}
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _before_flush(session, flush_context, instances):
    touched = session.info.setdefault("page_versions", (set(), set(), set()))
    found = _thread_ids_touched(session)
    for pending, ids in zip(touched, found):
        pending.update(ids)
    if found[1] or _changes_listings(session):
        session.info["listings_changed"] = True


def _changes_listings(session):
    """Listings show threads (and whether their opening post is published), authors' names, every category
    with its counts, and tag names: a pending change to any of these changes a listing."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Category, Tag, Post)):
            return True
        if isinstance(obj, Thread) and (obj in session.new or _changed_fields(obj) - QUIET_THREAD_FIELDS):
            return True
    return False


def _after_flush(session, flush_context):
    """Bump versions with plain SQL in the flushing transaction: committed together or not at all."""
    threads, users, categories = session.info.pop("page_versions", (set(), set(), set()))
    conn = session.connection()
    bump = update(Thread.__table__).values(version=Thread.__table__.c.version + 1)
    ids = sorted(i for i in threads if i is not None)
    if ids:
        conn.execute(bump.where(Thread.__table__.c.id.in_(ids)))
    if users:
        authored = select(Post.__table__.c.thread_id).where(Post.__table__.c.author_id.in_(sorted(users)))
        conn.execute(bump.where(Thread.__table__.c.id.in_(authored)))
    if categories:
        conn.execute(bump.where(Thread.__table__.c.category_id.in_(sorted(categories))))


def bump_thread_versions(thread_ids):
    """For writers that change thread pages with plain SQL, outside the ORM the listener watches."""
    if thread_ids:
        db.session.execute(update(Thread).where(Thread.id.in_(sorted(thread_ids)))
                           .values(version=Thread.version + 1))
        db.session.info["listings_changed"] = True


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


_registered = False


def register_version_listener():
    global _registered
    if _registered:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    _registered = True


class LazyPage:
    """A page of results fetched on first use, so a page whose post list comes from the cache runs no query for it."""

    def __init__(self, load):
        self._load, self._page = load, None

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._page is None:
            self._page = self._load()
        return getattr(self._page, name)
