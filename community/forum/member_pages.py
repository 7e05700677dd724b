"""Signed-in members' thread pages and listings, completed from skeletons shared by members of one role.

Everything on these pages but a handful of things is the same for every member of a role: the posts, the
thread's header, the listings. The first request for a page (per version of the thread or listing, role and
page) renders it as a skeleton (forum/skeleton.py) and stores it; later requests, from any member in the same
position, are answered before the view runs: a few compiled reads (forum/page_reads.py) find the member, check
their session, read the version and what is the member's own (likes, follow, vote, unread count), and the
skeleton is completed with them. No ORM object is loaded and no template rendered.

A member shares skeletons with others only where their page would be the same: not silenced, without posts of
their own that others cannot see, and not the thread's author or a poster on it (those pages are theirs,
stored under a key only they match). Everything else — flashes waiting, a stale last-seen time, a query string
the pages don't understand — takes the ordinary path, which renders and stores the skeleton when it may.
"""
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, g, request, session
from flask_login import UserMixin

from .. import permissions
from ..auth.models import ROLE_LABELS
from ..auth.sessions import parse_session_id, token_digest
from ..database import utcnow
from ..notifications.actions import bell_label
from . import cache, page_reads, skeleton, viewcounts
from .display import views_label
from .models import closed_for_replies

log = logging.getLogger(__name__)

THREAD_ENDPOINTS = frozenset({"forum.thread"})
LISTING_ENDPOINTS = frozenset({"forum.index", "forum.category", "forum.tag", "forum.categories"})


class SignedInMember(UserMixin):
    """The member as read for a stored page: enough for permission rules and Flask-Login, no ORM row."""

    def __init__(self, row, device_token):
        (self.id, self.username, self.display_name, self.role, self.session_token, self.suspended_at,
         self.silenced_until, self.last_seen_at, self.unread) = row
        self.device_token = device_token

    @property
    def is_active(self):
        return self.suspended_at is None

    @property
    def name(self):
        return self.display_name or self.username

    @property
    def role_label(self):
        return ROLE_LABELS.get(self.role, self.role)

    def get_id(self):
        return f"{self.id}:{self.device_token}"

    def is_silenced(self, now=None):
        return self.silenced_until is not None and self.silenced_until > (now or utcnow())


@dataclass
class MemberPage:
    """A member's request for a stored page: the key its skeleton is kept under and the member's own state."""

    key: tuple
    member: SignedInMember
    thread_id: int | None = None
    views: int = 0
    following: bool = False
    voted: bool = False
    liked: set = field(default_factory=set)

    def values(self):
        return {"csrf": skeleton.signed_csrf_token(), "user_id": self.member.id, "username": self.member.username,
                "name": self.member.name, "unread": bell_label(self.member.unread), "views": views_label(self.views)}

    @property
    def lifetime(self):
        """Thread pages show nothing that changes without a write (times are drawn in the browser, the view
        count is filled in per request): they live until the next write, bounded by THREAD_PAGE_SECONDS.
        Listings keep their view counts and the windows of "top" for PAGE_CACHE_SECONDS."""
        config = current_app.config
        return config["THREAD_PAGE_SECONDS"] if self.thread_id is not None else config["PAGE_CACHE_SECONDS"]

    def choose(self, name, key):
        if name == "liked":
            return key in self.liked
        if name == "following":
            return self.following
        if name == "voted":
            return self.voted
        if name == "has_unread":
            return self.member.unread > 0
        raise KeyError(f"no member choice named {name!r}")


def answer_from_skeleton():
    """before_request, first of all: a member's page from its stored skeleton, or None for the ordinary path."""
    endpoint = request.endpoint
    if request.method != "GET" or (endpoint not in THREAD_ENDPOINTS and endpoint not in LISTING_ENDPOINTS):
        return None
    user_id, token = parse_session_id(session.get("_user_id"))
    if user_id is None or "_flashes" in session:
        return None
    query = cache.page_query(request.query_string.decode("latin-1"))
    if query is None:
        return None
    reads = current_app.extensions["page_reads"]
    try:
        with reads.connection() as read:
            page = _member_page(read, user_id, token, endpoint, query)
            if page is None:
                return None
            stored = cache.fragment_cache().get(page.key)
            if stored is not None and "liked" in stored.choices_used:
                page.liked = _liked_on(read, page, stored)
    except reads.errors:
        log.warning("member page reads failed; rendering in full", exc_info=True)
        return None
    g.member_page = page
    if stored is None:
        skeleton.start_recording()  # the view renders the page as a skeleton; finish_member_page stores it
        return None
    g._login_user = page.member  # later hooks see the member without loading the row again
    if page.thread_id is not None:
        viewcounts.count_view(page.thread_id)
    return stored.fill(page.values(), page.choose)


MEMBER_COLUMNS = len(page_reads.MEMBER.selected_columns)


def _member_page(read, user_id, token, endpoint, query):
    """The member's request for this page, or None when they must take the ordinary path."""
    listing = endpoint in LISTING_ENDPOINTS
    # The reads find the member only while this device's session holds (auth/sessions.py, session_holds).
    token_hash = token_digest(user_id, token)
    if listing:
        row = read.one(page_reads.MEMBER_AND_LISTING, user_id=user_id, token_hash=token_hash)
    else:
        row = read.one(page_reads.MEMBER_AND_THREAD, user_id=user_id, token_hash=token_hash,
                       thread_id=request.view_args["thread_id"])
    if row is None:
        return None  # no such member or session, or no such thread (the ordinary path answers, or 404s)
    member = SignedInMember(row[:MEMBER_COLUMNS], token)
    if not member.is_active or member.is_silenced():
        return None
    last_seen_interval = timedelta(seconds=current_app.config.get("LAST_SEEN_INTERVAL", 300))
    if member.last_seen_at is None or utcnow() - member.last_seen_at >= last_seen_interval:
        return None  # the ordinary path records that the member is around
    where = (request.path, query)
    if listing:
        listing_version, own_unpublished = row[MEMBER_COLUMNS:]
        if own_unpublished:
            return None  # their listings also show a thread of theirs awaiting review
        return MemberPage(("member-listing", listing_version, member.role, *where), member)
    (version, created_at, deleted_at, redirect_to_id, staff_only, author_id, locked, closes_at, views, following,
     voted, own_posts, own_posts_unseen) = row[MEMBER_COLUMNS:]
    if own_posts_unseen or not permissions.may_share_stored_thread_page_with(member, deleted_at, redirect_to_id,
                                                                             staff_only):
        return None
    closed = closed_for_replies(locked, closes_at)
    # The thread's author and those who wrote in it see their own controls: a page of their own.
    own = member.id if own_posts or author_id == member.id else None
    thread_id = request.view_args["thread_id"]
    key = ("member-thread", thread_id, created_at, version, member.role, closed, own,
           current_app.config["POSTS_PER_PAGE"], *where)
    return MemberPage(key, member, thread_id, views=views, following=bool(following), voted=bool(voted))


def _liked_on(read, page, stored):
    """The member's likes among the posts this page shows (one range of post numbers)."""
    numbers = stored.choice_keys("liked")
    if not numbers:
        return set()
    first, last = numbers[0][0], numbers[-1][0]
    rows = read.all(page_reads.LIKED_ON_PAGE, user_id=page.member.id, thread_id=page.thread_id,
                    first=first, last=last)
    liked_ids = {post_id for (post_id,) in rows}
    return {key for key in numbers if key[1] in liked_ids}


def finish_member_page(response):
    """after_request: a page rendered as a skeleton is stored (when every member in its key may share it) and
    completed for this member."""
    recording = skeleton.stop_recording()
    page = g.get("member_page")
    if recording is None or page is None:
        return response
    if response.direct_passthrough or not response.mimetype == "text/html":
        return response
    html = response.get_data(as_text=True)
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:  # forms print the token themselves (form.hidden_tag): it is this member's too
        html = html.replace(token, recording.mark(skeleton.Value("csrf")))
    stored = recording.finish(html)
    if response.status_code == 200:
        cache.fragment_cache().set(page.key, stored, ttl=page.lifetime)
    if page.thread_id is not None and "liked" in stored.choices_used:
        with current_app.extensions["page_reads"].connection() as read:
            page.liked = _liked_on(read, page, stored)
    response.set_data(stored.fill(page.values(), page.choose))
    return response


def init_app(app):
    """Answer members' stored pages before any other hook (Flask-Limiter's, Flask-Login's, last-seen's)."""
    if app.config.get("PAGE_CACHE_SECONDS", 0) <= 0:
        return
    app.before_request_funcs.setdefault(None, []).insert(0, answer_from_skeleton)
    app.after_request_funcs.setdefault(None, []).append(finish_member_page)
