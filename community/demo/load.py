"""Loads the demo community through the real actions (every rule applies), then backdates it to look lived-in:
threads and chat rooms dated over the last months and days, view counts, and notifications mostly read."""
import random
from datetime import timedelta

import click
from sqlalchemy import func, select, text, update

from ..auth.actions import register_member, update_profile
from ..auth.models import User
from ..database import commit, utcnow
from ..errors import CommunityError
from ..extensions import db
from ..forum import actions as forum
from ..forum.models import Post, PostLike, ThreadFollow
from ..ideas import actions as ideas
from ..ideas.models import RequestStatusChange, Vote
from . import people
from .lived import LIKE_DELAY, date_notifications, last_reads, plausible_views, settle_notifications
from .plan import CATEGORIES, NEWCOMERS, PRODUCT_MANAGER, plan_community
from .rooms import load_rooms

DEFAULT_SEED = 1907


def database_is_empty():
    return not db.session.scalar(select(func.count(User.id)))


def create_people(rng, now):
    """Staff and customers through register_member and update_profile, joined on plausible dates."""
    users = {}
    for username, role, name, location, bio, interests in people.STAFF:
        users[username] = _person(username, role, name, location, bio, interests, now - _days(rng.uniform(400, 900)))
    for username, name, location, bio, interests in people.MEMBERS:
        age = rng.uniform(2, 6) if username in NEWCOMERS else rng.uniform(95, 800)
        users[username] = _person(username, "member", name, location, bio, interests, now - _days(age))
    return users


def _person(username, role, name, location, bio, interests, joined):
    user = register_member(username, people.email_for(username), people.DEMO_PASSWORD, role=role,
                           display_name=name, skip_strength_check=True)
    update_profile(user, user, display_name=name, bio=bio, location=location, interests=interests)
    user.created_at = joined
    commit()
    return user


def create_categories():
    categories = {}
    for position, (key, name, description, colour, staff_only, read_only, _share, _kinds) in enumerate(CATEGORIES, 1):
        categories[key] = forum.create_category(name, slug=key, description=description, colour=colour,
                                                position=position, staff_only=staff_only, read_only=read_only)
    return categories


def _days(value):
    return timedelta(days=value)


def load_thread(plan, users, categories, now, views_rng):
    """One planned thread through create_thread/create_post/toggle_like, then moved back to its planned dates."""
    opening = plan.posts[0]
    thread = forum.create_thread(users[plan.author], categories[plan.category], plan.title, opening.body,
                                 tags=plan.tags, is_feature_request=plan.is_feature_request)
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    written = [(opening, first)]
    for planned in plan.posts[1:]:
        try:
            written.append((planned, forum.create_post(users[planned.author], thread, planned.body)))
        except CommunityError:
            continue  # community policy refused it, as it would a real member's post
    for planned, post in written:
        for liker in planned.likers:
            if post.is_visible and post.author_id != users[liker].id:
                forum.toggle_like(users[liker], post)
    if plan.is_feature_request:
        for liker in opening.likers:
            ideas.toggle_vote(users[liker], thread)
        if plan.request_status != "open":
            note = next((p.body for p in plan.posts if p.voice == "pm"), "")
            ideas.set_request_status(users[PRODUCT_MANAGER], thread, plan.request_status, note[:500])
    _backdate(thread, written, now, views_rng)
    return thread


def _backdate(thread, written, now, views_rng):
    """Move the thread, its posts, likes, follows, votes, status change and notifications to their planned dates;
    give it the views a thread of its size and age would have had."""
    thread.created_at = now - timedelta(seconds=written[0][0].at)
    post_times = {}
    for planned, post in written:
        post.created_at = post_times[post.id] = now - timedelta(seconds=planned.at)
        db.session.execute(update(PostLike).where(PostLike.post_id == post.id)
                           .values(created_at=min(post.created_at + LIKE_DELAY, now)))
    db.session.execute(update(ThreadFollow).where(ThreadFollow.thread_id == thread.id)
                       .values(created_at=thread.created_at))
    db.session.execute(update(Vote).where(Vote.thread_id == thread.id).values(created_at=thread.created_at))
    status_at = next((post.created_at for planned, post in written if planned.voice == "pm"), None)
    if status_at is not None:
        db.session.execute(update(RequestStatusChange).where(RequestStatusChange.thread_id == thread.id)
                           .values(created_at=status_at))
    date_notifications(post_times, now, status_at, thread.id)
    forum.refresh_thread_counters(thread)
    age_days = (now - thread.created_at).total_seconds() / 86400
    thread.view_count = plausible_views(views_rng, thread.reply_count + 1, thread.like_count, age_days,
                                        staff_only=thread.category.staff_only)
    commit()


def finish(users, threads, now):
    """Last-seen dates follow each member's latest post or read notification; the welcome announcement stays
    on top, read by nearly everyone who came by."""
    read = last_reads()
    for user in users.values():
        last = db.session.scalar(select(func.max(Post.created_at)).where(Post.author_id == user.id))
        seen = [when for when in (last, read.get(user.id)) if when is not None]
        user.last_seen_at = max(seen) if seen else user.created_at
    welcome = next((t for t in threads if t.title.startswith("Welcome")), None)
    if welcome is not None:
        welcome.pinned = True
        welcome.view_count *= 4
    commit()


def load_demo(threads=150, seed=DEFAULT_SEED, bulk_threads=0, echo=click.echo):
    """The whole demo: people, categories and `threads` planned threads; then bulk_threads more written in bulk."""
    from flask import current_app

    rng = random.Random(seed)
    # Each finishing touch draws from its own seeded sequence, so adding one never changes the others.
    views_rng, chat_rng, reads_rng = (random.Random(f"{seed}:{part}") for part in ("views", "chat", "reads"))
    if db.engine.dialect.name == "sqlite":
        # Thousands of small commits: a demo is reloaded, not recovered, if the machine dies mid-load.
        db.session.execute(text("PRAGMA synchronous=OFF"))
    with current_app.test_request_context("/"):  # url_for (mention links) outside a real request
        now = utcnow()
        echo("Creating people and categories…")
        users = create_people(rng, now)
        categories = create_categories()
        members = [name for name, *_ in people.MEMBERS]
        plans = plan_community(seed, threads, members)
        created = []
        with click.progressbar(plans, label="Writing threads", show_pos=True) as bar:
            for plan in bar:
                created.append(load_thread(plan, users, categories, now, views_rng))
        echo("Opening chat rooms…")
        load_rooms(chat_rng, users, now)
        settle_notifications(reads_rng, now)
        finish(users, created, now)
        if bulk_threads:
            from .bulk import load_bulk

            load_bulk(bulk_threads, seed, users, categories, now, echo=echo)
    return users


def credential_lines():
    """One line per role, as the README and `make run` show them."""
    roles = {"admin": "admin", "facilitator": "facilitator", "product_manager": "product manager"}
    lines = [f"- {roles[role]}: `{username}` / `{people.DEMO_PASSWORD}`" for username, role, *_ in people.STAFF]
    lines.append(f"- member: `{people.MEMBERS[0][0]}` / `{people.DEMO_PASSWORD}`")
    return lines
