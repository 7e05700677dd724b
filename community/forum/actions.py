"""State changes in the forum: each validates, writes in one transaction, then notifies after commit."""
import re

from flask import current_app
from sqlalchemy import func, select

from .. import markup, permissions, sentiment, signals
from ..auth.models import User
from ..database import commit, utcnow
from ..errors import Invalid
from ..extensions import db
from ..i18n import format_moment, format_wait
from ..posting.policy import check_text
from ..urls import path_for
from .models import Category, Post, PostLike, PostRevision, Tag, Thread, ThreadFollow

MAX_TAGS = 5
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
MAX_MENTIONS = 20


def slugify(text, max_length=80):
    slug = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return slug[:max_length].rstrip("-") or "thread"


def normalise_tags(raw):
    """Tags from a comma/space separated string or a list: lower-case, de-duplicated, validated."""
    if isinstance(raw, str):
        raw = re.split(r"[,\s]+", raw)
    names = []
    for name in raw or ():
        name = name.strip().lower().lstrip("#")
        if not name:
            continue
        if not TAG_RE.match(name):
            raise Invalid(f"“{name[:30]}” is not a valid tag: use letters, digits and dashes.", field="tags")
        if name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise Invalid(f"Use at most {MAX_TAGS} tags.", field="tags")
    return names


def _tags_for(names):
    if not names:
        return []
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    tags = []
    for name in names:
        tag = existing.get(name) or Tag(name=name)
        db.session.add(tag)
        tags.append(tag)
    return tags


def _check_title(title):
    title = " ".join((title or "").split())
    limit = current_app.config["TITLE_MAX"]
    if len(title) < 5:
        raise Invalid("Give the thread a title of at least 5 characters.", field="title")
    if len(title) > limit:
        raise Invalid(f"Keep the title under {limit} characters.", field="title")
    return title


def _check_body(body):
    body = (body or "").strip()
    limit = current_app.config["POST_MAX"]
    if not body:
        raise Invalid("Write something before posting.", field="body")
    if len(body) > limit:
        raise Invalid(f"Posts are limited to {limit} characters; this one has {len(body)}.", field="body")
    return body


def _resolve_mention(name):
    user = db.session.scalar(select(User).where(User.username_lower == name.lower()))
    return user.username if user is not None else None


def render_body(source):
    """Render post Markdown with @mentions of real members linked to their profiles."""
    seen = 0

    def resolve(name):
        nonlocal seen
        seen += 1
        return _resolve_mention(name) if seen <= MAX_MENTIONS else None

    return markup.render_post(source, mention_url=lambda n: path_for("auth.profile", username=n), resolve_mention=resolve)


def refresh_thread_counters(thread):
    """Recompute a thread's counters from its published, undeleted posts."""
    visible = (Post.thread_id == thread.id) & (Post.state == "published") & Post.deleted_at.is_(None)
    count, likes, staff = db.session.execute(
        select(func.count(Post.id), func.coalesce(func.sum(Post.like_count), 0),
               func.coalesce(func.sum(func.cast(Post.by_staff, db.Integer)), 0)).where(visible)
    ).one()
    last = db.session.execute(
        select(Post.created_at, Post.author_id).where(visible).order_by(Post.number.desc()).limit(1)
    ).first()
    thread.reply_count = max(count - 1, 0)
    thread.like_count = likes
    thread.staff_post_count = staff
    if last is not None:
        thread.last_posted_at, thread.last_poster_id = last


def _next_post_number(thread):
    # Lock the thread row (PostgreSQL) so concurrent replies get distinct numbers.
    db.session.execute(select(Thread.id).where(Thread.id == thread.id).with_for_update())
    return (db.session.scalar(select(func.max(Post.number)).where(Post.thread_id == thread.id)) or 0) + 1


def _new_post(author, thread, body, number, checked, reply_to=None):
    rendered, assessment = checked.rendered, checked.assessment
    post = Post(
        thread=thread,
        author_id=author.id,
        number=number,
        reply_to_id=reply_to.id if reply_to is not None else None,
        body_source=body,
        body_html=rendered.html,
        by_staff=permissions.is_staff(author),
        state=assessment.state,
        state_reason=assessment.reason,
        sentiment=sentiment.score(markup.plain_text(rendered.html)),
        created_at=utcnow(),
    )
    db.session.add(post)
    return post, rendered.mentions


def create_thread(author, category, title, body, tags=(), is_feature_request=False, override=False):
    """Start a thread with its opening post; override sends it despite a no-hard-sell finding (logged)."""
    permissions.require(permissions.can_start_thread(author, category),
                        "Only staff start threads in this category." if category.read_only
                        else "You can't start a thread in this category.")
    title = _check_title(title)
    body = _check_body(body)
    tag_names = normalise_tags(tags)
    checked = check_text(author, {"title": title, "body": body}, render=render_body, override=override,
                         community_policy=True)
    now = utcnow()
    thread = Thread(
        category_id=category.id,
        category=category,
        author_id=author.id,
        title=title,
        slug=slugify(title),
        created_at=now,
        last_posted_at=now,
        last_poster_id=author.id,
        is_feature_request=bool(is_feature_request),
    )
    thread.tags = _tags_for(tag_names)
    db.session.add(thread)
    db.session.flush()
    checked.record_override("thread", thread.id)
    post, mentions = _new_post(author, thread, body, 1, checked)
    db.session.add(ThreadFollow(thread_id=thread.id, user_id=author.id))
    if post.state == "published":
        category.thread_count += 1
        category.post_count += 1
        author.thread_count += 1
        author.post_count += 1
        thread.staff_post_count = int(post.by_staff)
    db.session.flush()
    signals.send_after_commit(signals.thread_created, thread=thread, post=post, mentions=mentions)
    commit()
    return thread


def create_post(author, thread, body, reply_to=None, override=False):
    """Reply to a thread, optionally to a particular post in it.

    override is the author's "send anyway": a member's very short reply is then held for review instead of
    refused, and a staff post with selling language is sent with the choice logged.
    """
    permissions.require(permissions.can_reply(author, thread), _reply_refusal(author, thread))
    body = _check_body(body)
    if reply_to is not None and reply_to.thread_id != thread.id:
        raise Invalid("You can only reply to a post in the same thread.")
    _check_slow_mode(author, thread)
    checked = check_text(author, {"body": body}, render=render_body, thread=thread, override=override,
                         community_policy=True, reply=True)
    checked.record_override("thread", thread.id)
    post, mentions = _new_post(author, thread, body, _next_post_number(thread), checked, reply_to)
    if post.state == "published":
        thread.reply_count += 1
        thread.last_posted_at = post.created_at
        thread.last_poster_id = author.id
        thread.staff_post_count += int(post.by_staff)
        thread.category.post_count += 1
        author.post_count += 1
    if not db.session.get(ThreadFollow, (thread.id, author.id)):
        db.session.add(ThreadFollow(thread_id=thread.id, user_id=author.id))
    db.session.flush()
    signals.send_after_commit(signals.post_created, post=post, mentions=mentions)
    commit()
    return post


def _reply_refusal(author, thread):
    """The reason a reply is refused, in words the member understands."""
    if thread.deleted_at is not None:
        return "This thread has been deleted."
    if thread.is_closed():
        return "This thread is locked: it no longer takes replies."
    if getattr(author, "is_authenticated", False) and author.is_silenced():
        return (f"Your account is silenced until {format_moment(author.silenced_until)}: you can read but not "
                f"post. Reason: {author.silenced_reason}")
    return "This thread is not open for replies."


def _check_slow_mode(author, thread):
    if not thread.slow_mode_seconds or permissions.is_moderator(author):
        return
    last = db.session.scalar(
        select(func.max(Post.created_at)).where(Post.thread_id == thread.id, Post.author_id == author.id)
    )
    if last is None:
        return
    wait = thread.slow_mode_seconds - int((utcnow() - last).total_seconds())
    if wait > 0:
        raise Invalid(f"This thread is in slow mode: you can post again in {format_wait(wait)}.", field="body")


def edit_post(editor, post, body, title=None, override=False):
    """Change a post's text, keeping the previous text as a revision; override as in create_post."""
    permissions.require(permissions.can_edit_post(editor, post), "You can only edit your own posts.")
    body = _check_body(body)
    thread = post.thread
    new_title = _check_title(title) if title is not None and post.number == 1 else None
    if body == post.body_source and (new_title is None or new_title == thread.title):
        return post
    by_author = editor.id == post.author_id and not permissions.is_moderator(editor)
    checked = check_text(editor, {"title": new_title, "body": body}, render=render_body, override=override,
                         previous={"title": thread.title, "body": post.body_source}, community_policy=by_author,
                         reply=post.number > 1)
    checked.record_override("post", post.id)
    post.revision_count += 1
    db.session.add(PostRevision(
        post_id=post.id, number=post.revision_count, body_source=post.body_source,
        title=thread.title if post.number == 1 else None, edited_by_id=editor.id,
    ))
    rendered = checked.rendered
    post.body_source = body
    post.body_html = rendered.html
    post.sentiment = sentiment.score(markup.plain_text(rendered.html))
    post.edited_at = utcnow()
    if new_title:
        thread.title = new_title
        thread.slug = slugify(new_title)
    if by_author:
        # An author editing a held or hidden post asks for it to be looked at again.
        assessment = checked.assessment
        if post.state in ("held", "hidden"):
            post.state = "held"
            post.state_reason = assessment.reason or post.state_reason
        elif assessment.state == "held":
            post.state, post.state_reason = "held", assessment.reason
            refresh_thread_counters(thread)
    db.session.flush()
    signals.send_after_commit(signals.post_edited, post=post, editor=editor, mentions=rendered.mentions)
    commit()
    return post


def delete_post(actor, post, reason=""):
    """Soft-delete a post; deleting the opening post deletes the thread (also softly)."""
    permissions.require(permissions.can_delete_post(actor, post), "You can only delete your own posts.")
    now = utcnow()
    post.deleted_at = now
    post.deleted_by_id = actor.id
    thread = post.thread
    if post.number == 1:
        thread.deleted_at = now
    refresh_thread_counters(thread)
    if actor.id != post.author_id:
        from ..moderation.audit import record_audit
        record_audit(actor, "delete_post", "post", post.id, reason=reason, subject_user=post.author)
    db.session.flush()
    signals.send_after_commit(signals.post_deleted, post=post, actor=actor)
    commit()
    return post


def restore_post(actor, post, reason=""):
    """Undo a soft delete."""
    permissions.require(permissions.can_restore_post(actor, post), "Only moderators can restore posts.")
    post.deleted_at = None
    post.deleted_by_id = None
    if post.number == 1:
        post.thread.deleted_at = None
    refresh_thread_counters(post.thread)
    from ..moderation.audit import record_audit
    record_audit(actor, "restore_post", "post", post.id, reason=reason, subject_user=post.author)
    db.session.flush()
    signals.send_after_commit(signals.post_restored, post=post, actor=actor)
    commit()
    return post


def toggle_like(user, post):
    """Like a post, or take the like back; returns whether the member now likes it."""
    permissions.require(permissions.can_like(user, post), "You can't like this post.")
    existing = db.session.get(PostLike, (post.id, user.id))
    if existing:
        db.session.delete(existing)
        post.like_count = Post.like_count - 1
        post.thread.like_count = Thread.like_count - 1
        liked = False
    else:
        db.session.add(PostLike(post_id=post.id, user_id=user.id))
        post.like_count = Post.like_count + 1
        post.thread.like_count = Thread.like_count + 1
        liked = True
    db.session.flush()
    if liked:
        signals.send_after_commit(signals.post_liked, post=post, user=user)
    commit()
    return liked


def set_following(user, thread, following):
    """Follow a thread (notified of every reply) or stop following it."""
    permissions.require(permissions.can_follow(user, thread), "You can't follow this thread.")
    existing = db.session.get(ThreadFollow, (thread.id, user.id))
    if following and not existing:
        db.session.add(ThreadFollow(thread_id=thread.id, user_id=user.id))
    elif not following and existing:
        db.session.delete(existing)
    commit()
    return following


def record_view(thread):
    """Count a thread view: tallied in memory and written every few seconds, never a commit per page view."""
    from .viewcounts import count_view

    count_view(thread.id)


def create_category(name, slug=None, description="", colour="#3b6ea5", position=None, staff_only=False,
                    read_only=False):
    """Add a category (admin set-up and demo data)."""
    slug = slugify(slug or name, 60)
    if db.session.scalar(select(Category.id).where(Category.slug == slug)):
        raise Invalid(f"A category with the address “{slug}” exists already.", field="slug")
    if position is None:
        position = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
    category = Category(name=name, slug=slug, description=description, colour=colour, position=position,
                        staff_only=staff_only, read_only=read_only)
    db.session.add(category)
    commit()
    return category



def rerender_posts(post_ids):
    """Re-render stored post HTML from its Markdown source (after an allowlist change); no notifications."""
    changed = 0
    for post in db.session.scalars(select(Post).where(Post.id.in_(post_ids))):
        html = render_body(post.body_source).html
        if html != post.body_html:
            post.body_html = html
            changed += 1
    commit()
    return changed


def rerender_bios(user_ids):
    """Re-render stored profile bios from their Markdown source."""
    changed = 0
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids))):
        html = render_body(user.bio_source).html if user.bio_source else ""
        if html != user.bio_html:
            user.bio_html = html
            changed += 1
    commit()
    return changed
