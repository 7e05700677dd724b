"""Visitors' thread pages and listings answered from memory before Flask runs, keyed by the versions writes bump.

A GET with no session or remember-me cookie comes from a visitor, and every visitor sees the same page. For
the forum's reading pages this WSGI layer reads the page's version first (a thread's version, or the listing
version; forum/cache.py), then either replays the response Flask gave an earlier visitor for that version,
or lets Flask answer and keeps the response if it is one every visitor may share (200, HTML, no cookie set).
Replaying Flask's own status and headers keeps the security headers and content type identical by
construction. Every other request, and every signed-in one, goes to Flask untouched.

Visitors' reads of these pages are not rate-limited (Flask-Limiter runs inside Flask, and these routes had no
limit there either): replaying stored bytes costs less than checking a limit would. A miss is an ordinary
Flask request.
"""
import logging

from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from .. import permissions
from . import cache, page_reads
from .models import closed_for_replies

# Endpoints whose visitor page depends only on the URL and a version: a thread's, or the listings'.
THREAD_ENDPOINTS = frozenset({"forum.thread"})
LISTING_ENDPOINTS = frozenset({"forum.index", "forum.category", "forum.tag", "forum.categories"})
# Headers that belong to one response only: a response carrying one is never kept for others.
PERSONAL_HEADERS = ("set-cookie", "x-ratelimit-", "retry-after")


class StoredPages:
    """WSGI middleware in front of the whole app (Socket.IO's middleware and Flask behind it)."""

    def __init__(self, app, wsgi_app):
        self.wsgi_app = wsgi_app
        self.url_map = app.url_map
        self.pages = app.extensions["fragment_cache"]
        self.views = app.extensions["view_counter"]
        self.cookies = (app.config["SESSION_COOKIE_NAME"], app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
        self.reads = app.extensions["page_reads"]
        self._routes = {}

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or not self._from_visitor(environ):
            return self.wsgi_app(environ, start_response)
        endpoint, args = self._route(environ)
        try:
            if endpoint in THREAD_ENDPOINTS:
                key, thread_id = self._thread_key(args["thread_id"]), args["thread_id"]
            elif endpoint in LISTING_ENDPOINTS:
                with self.reads.connection() as read:
                    key, thread_id = ("visitor-page", "listing", read.listing_version()), None
            else:
                return self.wsgi_app(environ, start_response)
        except self.reads.errors:
            # The database is unreachable or busy: Flask answers (or reports the error) as it would anyway.
            logging.getLogger(__name__).warning("visitor page version read failed", exc_info=True)
            return self.wsgi_app(environ, start_response)
        query = cache.page_query(environ.get("QUERY_STRING", ""))
        if key is None or query is None:
            return self.wsgi_app(environ, start_response)
        key += (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME", ""),
                environ.get("PATH_INFO"), query)
        stored = self.pages.get(key)
        if stored is None:
            return self._answer_and_keep(key, environ, start_response)
        status, headers, body = stored
        if thread_id is not None:
            self.views.add(thread_id)  # a miss is counted by the thread view itself
        start_response(status, list(headers))
        return [body]

    def _from_visitor(self, environ):
        """No session cookie, no remember-me cookie, no credentials: nobody is or could be signed in."""
        if environ.get("HTTP_AUTHORIZATION"):
            return False
        cookies = environ.get("HTTP_COOKIE")
        # A substring test errs on the safe side: a cookie merely resembling one of ours goes to Flask.
        return not cookies or not any(name in cookies for name in self.cookies)

    def _route(self, environ):
        """The endpoint and arguments for this host and path, remembered (the URL map never changes once serving)."""
        path = (environ.get("HTTP_HOST"), environ.get("PATH_INFO", ""))
        route = self._routes.get(path)
        if route is None:
            try:
                route = self.url_map.bind_to_environ(environ).match()
            except (HTTPException, RequestRedirect):
                route = (None, None)
            if len(self._routes) >= 10000:
                self._routes.clear()  # many distinct paths (crawlers, probes): start over rather than grow
            self._routes[path] = route
        return route

    def _thread_key(self, thread_id):
        """The version of a thread visitors may see; None for missing, deleted, moved or staff-only threads."""
        row = self.reads.one(page_reads.THREAD_STATE, thread_id=thread_id)
        if row is None:
            return None
        version, created_at, deleted_at, redirect_to_id, staff_only, locked, closes_at = row
        if not permissions.may_share_stored_thread_page(deleted_at, redirect_to_id, staff_only):
            return None
        # Closed or not is in the key: a close timer runs out without a write.
        return ("visitor-page", "thread", thread_id, created_at, version, closed_for_replies(locked, closes_at))

    def _answer_and_keep(self, key, environ, start_response):
        """Let Flask answer; keep the response when every visitor may be given the same one."""
        answered = []

        def capture(status, headers, exc_info=None):
            answered[:] = [status, headers]
            return start_response(status, headers, exc_info)

        environ["tummler.visitor_page_kept"] = True  # Flask need not keep its own copy (forum/cache.py)
        body = self.wsgi_app(environ, capture)
        if not answered or not _shareable(*answered):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self.pages.set(key, (answered[0], tuple(answered[1]), data))
        return [data]


def _shareable(status, headers):
    if not status.startswith("200 "):
        return False
    for name, value in headers:
        name = name.lower()
        if name.startswith(PERSONAL_HEADERS):
            return False
        if name == "content-type" and not value.startswith("text/html"):
            return False
        if name == "cache-control" and ("private" in value or "no-store" in value):
            return False
    return True


def init_app(app):
    """Wrap the finished app (call last in create_app); a zero page-cache lifetime turns stored pages off."""
    if app.config.get("PAGE_CACHE_SECONDS", 0) > 0:
        app.wsgi_app = StoredPages(app, app.wsgi_app)
