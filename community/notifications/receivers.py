"""Who hears about what: turns forum events into notifications (a background job per post, since a thread may have
thousands of followers) and live thread updates (at once, from the request)."""
import re
from collections import defaultdict

from flask import current_app
from sqlalchemy import func, select

from .. import jobs, permissions, realtime, signals
from ..auth.models import User
from ..extensions import db
from ..forum.models import Post, ThreadFollow
from ..markup import excerpt
from ..urls import path_for
from .actions import notify, notify_many

QUOTE_RE = re.compile(r"^>\s*\*\*@([A-Za-z0-9_]{2,30})\*\* wrote:", re.MULTILINE)


def post_url(post):
    """Link to the page of the thread that holds the post, anchored at it."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    earlier = db.session.scalar(
        select(func.count(Post.id)).where(Post.thread_id == post.thread_id, Post.number < post.number,
                                          Post.state == "published", Post.deleted_at.is_(None))
    )
    page = earlier // per_page + 1
    return path_for("forum.thread", thread_id=post.thread_id, slug=post.thread.slug, page=page,
                    _anchor=f"post-{post.number}")


def notify_about_post(payload):
    """The job behind a published post: tell the people it concerns, once each. Its inserts commit together with
    the removal of the job, so nobody hears twice however often the job is tried."""
    post = db.session.get(Post, payload["post_id"])
    if post is None or not post.is_visible:
        return
    mentions = payload.get("mentions")
    if mentions is None:
        mentions = _mentions_in(post)
    thread = post.thread
    author = post.author
    url = post_url(post)
    preview = excerpt(post.body_html, 120)
    recipients = {}  # user_id -> (kind, text); the first reason wins, so nobody hears twice

    quoted = {name.lower() for name in QUOTE_RE.findall(post.body_source)}
    named = {name.lower() for name in mentions} | quoted
    if named:
        users = db.session.scalars(select(User).where(User.username_lower.in_(named))).all()
        for user in users:
            kind = "quote" if user.username_lower in quoted else "mention"
            verb = "quoted you" if kind == "quote" else "mentioned you"
            recipients.setdefault(user.id, (user, kind, f"{author.name} {verb} in “{thread.title}”: {preview}"))
    if post.reply_to is not None and post.reply_to.author_id != author.id:
        target = post.reply_to.author
        recipients.setdefault(target.id, (target, "reply", f"{author.name} replied to your post in “{thread.title}”"))
    if post.number > 1:
        followers = db.session.scalars(
            select(User).join(ThreadFollow, ThreadFollow.user_id == User.id).where(ThreadFollow.thread_id == thread.id)
        ).all()
        for follower in followers:
            recipients.setdefault(follower.id, (follower, "reply", f"{author.name} replied in “{thread.title}”"))

    groups = defaultdict(list)  # many followers share one text: one insert per distinct message
    for user_id, (user, kind, text) in recipients.items():
        if user_id != author.id and permissions.can_view_thread(user, thread):
            groups[(kind, text)].append(user_id)
    for (kind, text), user_ids in groups.items():
        notify_many(user_ids, kind, text, url, actor=author, thread_id=thread.id, post_id=post.id)


def _describe_post_notifications(payload):
    return f"Notifications about post {payload['post_id']}"


POST_NOTIFICATIONS = jobs.JobKind("notifications.post", run=notify_about_post, describe=_describe_post_notifications)


def queue_post_notifications(post, mentions=None):
    """Queue the notifications about a post in the transaction that publishes it (mentions None: read them from
    the stored post)."""
    if post.is_visible:
        jobs.enqueue(POST_NOTIFICATIONS.name, {"post_id": post.id,
                                               "mentions": None if mentions is None else sorted(mentions)},
                     about=f"post:{post.id}")


def queue_on_thread_created(sender, thread, post, mentions=(), **_):
    queue_post_notifications(post, mentions)


def queue_on_post_created(sender, post, mentions=(), **_):
    queue_post_notifications(post, mentions)


def queue_on_post_state_changed(sender, post, **_):
    """A held post approved later notifies then, as if it had just been posted."""
    queue_post_notifications(post)


def on_post_published(sender, post, **_):
    """Open pages of the thread show the new reply at once."""
    if post.is_visible and post.number > 1:
        realtime.post_created(post, permissions.thread_audience(post.thread))


def on_post_state_changed(sender, post, **_):
    if post.is_visible:
        on_post_published(sender, post)
    else:
        on_post_gone(sender, post)


def on_post_edited(sender, post, **_):
    if post.is_visible:
        realtime.post_updated(post, permissions.thread_audience(post.thread))


def drop_readers_outside(thread):
    """After a move to a staff-only category, a deletion or a hidden opening post: pages opened earlier by
    people no longer allowed to read the thread leave its live rooms."""
    audience = permissions.thread_audience(thread)
    if audience != permissions.THREAD_AUDIENCES[0]:
        realtime.thread_audience_narrowed(thread.id, audience)


def on_thread_changed(sender, thread, **_):
    drop_readers_outside(thread)


def on_post_gone(sender, post, **_):
    """A deleted or unpublished opening post takes its thread out of members' sight."""
    if post.number == 1:
        drop_readers_outside(post.thread)


def on_post_liked(sender, post, user, **_):
    if permissions.can_view_thread(post.author, post.thread):
        notify(post.author_id, "like", f"{user.name} liked your post in “{post.thread.title}”", post_url(post),
               actor=user, thread_id=post.thread_id, post_id=post.id)


def _mentions_in(post):
    return {a.split("/u/")[-1] for a in re.findall(r'href="(/u/[A-Za-z0-9_]+)" class="mention"', post.body_html)}


def connect_receivers():
    """Subscribe to forum events; called once from create_app."""
    signals.in_transaction(signals.thread_created).connect(queue_on_thread_created, weak=False)
    signals.in_transaction(signals.post_created).connect(queue_on_post_created, weak=False)
    signals.in_transaction(signals.post_state_changed).connect(queue_on_post_state_changed, weak=False)
    signals.post_created.connect(on_post_published, weak=False)
    signals.post_state_changed.connect(on_post_state_changed, weak=False)
    signals.post_edited.connect(on_post_edited, weak=False)
    signals.post_liked.connect(on_post_liked, weak=False)
    signals.thread_changed.connect(on_thread_changed, weak=False)
    signals.post_deleted.connect(on_post_gone, weak=False)
