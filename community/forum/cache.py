"""The store of rendered pages and fragments, and anonymous readers' shared fragments.

Writers never touch the store: forum/invalidation.py bumps `threads.version` and the listing version in the
writing transaction, and every key holds the version it was rendered at, so the next reader's key differs and
an old page is never served again. Times are drawn in the browser from <time datetime>, so a page goes stale
only where it shows counts of views or the windows of "top": visitors' pages and every listing expire after
PAGE_CACHE_SECONDS (5 minutes); members' thread pages, whose view count is filled in per request, after
THREAD_PAGE_SECONDS (an hour), or sooner when pushed out by newer pages. Signed-in members get skeletons
completed per member (forum/member_pages.py).
"""
import hashlib
import logging
import pickle
import threading
import time
from collections import OrderedDict
from pathlib import Path

from flask import current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .. import permissions
from . import invalidation, page_reads
from .models import closed_for_replies

log = logging.getLogger(__name__)


class FragmentCache:
    """A bounded, thread-safe LRU of rendered pages with a time to live, one per app and process; with a
    `shared` store behind it (Redis), a page one process rendered is fetched by the others instead of
    rendered again."""

    def __init__(self, max_entries=512, ttl=60.0, clock=time.monotonic, shared=None):
        self.max_entries, self.ttl, self.clock, self.shared = max_entries, ttl, clock, shared
        self._entries = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[1] > self.clock():
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[0]
            self.misses += 1
            if entry is not None:
                del self._entries[key]
        if self.shared is not None:
            value = self.shared.get(key)
            if value is not None:
                self._keep(key, value)
                return value
        return None

    def set(self, key, value, ttl=None):
        """Keep value for ttl seconds (default: the store's), or until pushed out by newer entries."""
        ttl = self.ttl if ttl is None else ttl
        self._keep(key, value, ttl)
        if self.shared is not None:
            self.shared.set(key, value, ttl)

    def _keep(self, key, value, ttl=None):
        with self._lock:
            self._entries[key] = (value, self.clock() + (self.ttl if ttl is None else ttl))
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self):
        with self._lock:
            self._entries.clear()


class RedisPageStore:
    """Rendered pages shared by every process and machine through Redis, named by key and release.

    A render costs tens of milliseconds and a fetch about one; keys hold the versions writes bump, so every
    process reads the same name for the same page. The release (a digest of the code and templates) keeps
    two releases running side by side during a deploy from handing each other pages. Redis being away costs
    renders, never a failed page."""

    def __init__(self, url, release):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2)
        self.prefix = f"tummler:page:{release}:"
        self.errors = redis.RedisError

    def _name(self, key):
        return self.prefix + hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()

    def get(self, key):
        try:
            blob = self.redis.get(self._name(key))
        except self.errors:
            log.warning("shared page store unreachable; rendering instead", exc_info=True)
            return None
        return pickle.loads(blob) if blob is not None else None

    def set(self, key, value, ttl):
        try:
            self.redis.set(self._name(key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), ex=int(ttl))
        except self.errors:
            log.warning("shared page store unreachable; page kept in this process only", exc_info=True)


def release_digest(app):
    """A digest of the package and templates: pages rendered by another release are never shared."""
    digest = hashlib.blake2b(digest_size=8)
    templates = Path(app.root_path, app.template_folder or "templates").resolve()
    for path in sorted(Path(app.root_path).rglob("*.py")) + sorted(templates.rglob("*.html")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def init_app(app):
    """Give the app its fragment cache and the Jinja `shared_fragment` call block."""
    app.config.setdefault("PAGE_CACHE_ENTRIES", 512)
    shared_url = app.config.get("PAGE_STORE_REDIS_URL")
    shared = RedisPageStore(shared_url, release_digest(app)) if shared_url else None
    app.extensions["fragment_cache"] = FragmentCache(app.config["PAGE_CACHE_ENTRIES"], app.config["PAGE_CACHE_SECONDS"],
                                                     shared=shared)
    app.jinja_env.globals["shared_fragment"] = shared_fragment
    invalidation.register_listeners()


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
    row = current_app.extensions["page_reads"].one(page_reads.THREAD_STATE, thread_id=thread_id)
    if row is None:
        return None
    version, created_at, deleted_at, redirect_to_id, staff_only, locked, closes_at = row
    if not permissions.may_share_stored_thread_page(deleted_at, redirect_to_id, staff_only):
        return None
    # The path and page are in the key (the page links back to them: "sign in, then return"); other query
    # strings are rendered for this reader alone, so made-up parameters cannot crowd out the shared pages.
    if session.get("_flashes"):
        return None  # this reader has a message waiting: their page is their own
    query = page_query(request.query_string.decode("latin-1"))
    if query is None:
        return None
    g.shared_page_key = ("page", thread_id, created_at, version, closed_for_replies(locked, closes_at),
                         request.path, query)
    html = fragment_cache().get(g.shared_page_key)
    if html is None:
        return None
    # Visitors' pages carry a token only where they hold a form; a page without one starts no session.
    return html.replace(TOKEN_SLOT, generate_csrf()) if TOKEN_SLOT in html else html


def keep_thread_page(html):
    """Store a freshly rendered anonymous thread page under the key shared_thread_page computed."""
    key = g.pop("shared_page_key", None)
    if request.environ.get("tummler.visitor_page_kept"):
        return  # the visitor-page layer keeps the whole response (forum/stored_pages.py)
    if key is not None and shareable():
        token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))  # set if the page made one
        fragment_cache().set(key, html.replace(token, TOKEN_SLOT) if token else html)


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
