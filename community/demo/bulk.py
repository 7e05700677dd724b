"""Large demo volumes for benchmarks: planned like the lifelike demo, written with Core inserts in batches.

Markdown is rendered (and sentiment scored) once per distinct text; texts come from a pool of variants per
topic, so 50k threads load in minutes. Counters are computed here and written, so they match the rows.
"""
import random
from collections import Counter, defaultdict
from datetime import timedelta

import click
from sqlalchemy import func, insert, select, text, update

from .. import markup, sentiment
from ..auth.models import User, UserInterest
from ..extensions import db
from ..forum.actions import render_body, slugify
from ..forum.models import Category, Post, PostLike, Tag, Thread, ThreadFollow, thread_tags
from ..ideas.models import Vote
from . import catalog, people
from .lived import plausible_views
from .plan import STAFF_USERNAMES, Planner

BATCH = 500
VARIANTS = 6  # distinct texts per (topic, voice): enough to read as different people


class BodyPool:
    """Reuses a handful of texts per topic and voice, and renders each distinct text once."""

    def __init__(self, rng, variants=VARIANTS):
        self.rng, self.variants = rng, variants
        self.texts = defaultdict(list)
        self.rendered = {}

    def body(self, key, voice, ctx, compose):
        texts = self.texts[(key, voice)]
        if len(texts) < self.variants:
            texts.append(compose())
            return texts[-1]
        return texts[self.rng.randrange(len(texts))]

    def render(self, source):
        if source not in self.rendered:
            html = render_body(source).html
            self.rendered[source] = (html, sentiment.score(markup.plain_text(html)))
        return self.rendered[source]


def _next_id(model):
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def create_extra_members(rng, count, now, password_hash):
    """Generated customers, inserted in one go; they share the demo password's hash."""
    start = _next_id(User)
    users, interests, names = [], [], []
    bios = {}
    for number in range(start, start + count):
        username, display, place, bio, tags = people.extra_member(rng, number)
        if bio not in bios:
            bios[bio] = markup.render_post(bio).html
        users.append(dict(id=number, username=username, username_lower=username.lower(), email=people.email_for(username),
                          password_hash=password_hash, role="member", display_name=display, bio_source=bio,
                          bio_html=bios[bio], location=place, created_at=now - timedelta(days=rng.uniform(91, 900)),
                          session_token=f"{rng.getrandbits(64):016x}", post_count=0, thread_count=0))
        interests += [dict(user_id=number, name=tag) for tag in tags]
        names.append(username)
    db.session.execute(insert(User), users)
    db.session.execute(insert(UserInterest), interests)
    return {u["username"]: u["id"] for u in users}


def _tag_ids(names):
    existing = {t.name: t.id for t in db.session.scalars(select(Tag))}
    missing = sorted(set(names) - set(existing))
    if missing:
        db.session.execute(insert(Tag), [{"name": n} for n in missing])
        existing = {t.name: t.id for t in db.session.scalars(select(Tag))}
    return existing


class BulkWriter:
    """Turns thread plans into rows and keeps the running counters for members and categories."""

    def __init__(self, ids, categories, staff_ids, tag_ids, pool, now, rng):
        self.ids, self.categories, self.staff_ids, self.tag_ids = ids, categories, staff_ids, tag_ids
        self.pool, self.now, self.rng = pool, now, rng
        self.thread_id, self.post_id = _next_id(Thread), _next_id(Post)
        self.user_posts, self.user_threads = Counter(), Counter()
        self.category_threads, self.category_posts = Counter(), Counter()
        self.reset()

    def reset(self):
        self.rows = {"threads": [], "posts": [], "likes": [], "follows": [], "tags": [], "votes": []}

    def add(self, plan):
        tid, category_id = self.thread_id, self.categories[plan.category].id
        self.thread_id += 1
        author_id = self.ids[plan.author]
        created = self.now - timedelta(seconds=plan.posts[0].at)
        likes_total = staff_posts = 0
        followers = []
        for number, planned in enumerate(plan.posts, 1):
            html, mood = self.pool.render(planned.body)
            poster = self.ids[planned.author]
            at = self.now - timedelta(seconds=planned.at)
            pid = self.post_id
            self.post_id += 1
            likers = [self.ids[name] for name in planned.likers if self.ids[name] != poster]
            by_staff = poster in self.staff_ids
            self.rows["posts"].append(dict(
                id=pid, thread_id=tid, author_id=poster, number=number, body_source=planned.body, body_html=html,
                created_at=at, like_count=len(likers), by_staff=by_staff, state="published", sentiment=mood,
                revision_count=0, state_reason=""))
            self.rows["likes"] += [dict(post_id=pid, user_id=u, created_at=at + timedelta(minutes=13)) for u in likers]
            likes_total += len(likers)
            staff_posts += by_staff
            self.user_posts[poster] += 1
            if poster not in followers:
                followers.append(poster)
            last_at, last_poster = at, poster
        self.rows["follows"] += [dict(thread_id=tid, user_id=u, created_at=created) for u in followers]
        voters = [author_id] + [self.ids[n] for n in plan.posts[0].likers] if plan.is_feature_request else []
        self.rows["votes"] += [dict(thread_id=tid, user_id=u, created_at=created) for u in dict.fromkeys(voters)]
        self.rows["tags"] += [dict(thread_id=tid, tag_id=self.tag_ids[t]) for t in plan.tags]
        pm_note = next((p.body for p in plan.posts if p.voice == "pm"), "")
        category = self.categories[plan.category]
        views = plausible_views(self.rng, len(plan.posts), likes_total, (self.now - created).total_seconds() / 86400,
                                staff_only=category.staff_only)
        self.rows["threads"].append(dict(
            id=tid, category_id=category_id, author_id=author_id, title=plan.title, slug=slugify(plan.title),
            created_at=created, last_posted_at=last_at, last_poster_id=last_poster, reply_count=len(plan.posts) - 1,
            like_count=likes_total, view_count=views, staff_post_count=staff_posts,
            pinned=False, locked=False, slow_mode_seconds=0, is_feature_request=plan.is_feature_request,
            request_status=plan.request_status, request_status_note=pm_note[:500], vote_count=len(dict.fromkeys(voters))))
        self.user_threads[author_id] += 1
        self.category_threads[category_id] += 1
        self.category_posts[category_id] += len(plan.posts)

    def flush(self):
        for table, rows in (("threads", Thread), ("posts", Post), ("likes", PostLike), ("follows", ThreadFollow),
                            ("tags", thread_tags), ("votes", Vote)):
            if self.rows[table]:
                db.session.execute(insert(rows.__table__ if hasattr(rows, "__table__") else rows), self.rows[table])
        db.session.commit()
        self.reset()

    def write_counters(self):
        for user_id in set(self.user_posts) | set(self.user_threads):
            db.session.execute(update(User).where(User.id == user_id).values(
                post_count=User.post_count + self.user_posts[user_id],
                thread_count=User.thread_count + self.user_threads[user_id]))
        for category_id in self.category_threads:
            db.session.execute(update(Category).where(Category.id == category_id).values(
                thread_count=Category.thread_count + self.category_threads[category_id],
                post_count=Category.post_count + self.category_posts[category_id]))
        db.session.commit()


def _reset_sequences():
    """Rows were inserted with explicit ids: move PostgreSQL's sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("users", "threads", "posts", "tags"):
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    db.session.commit()


def load_bulk(count, seed, users, categories, now, echo=click.echo):
    """Write `count` more threads, and enough generated members to write them, in batches."""
    rng = random.Random(seed * 7919 + count)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA synchronous=OFF"))  # a bulk load is redone, not recovered, after a crash
    any_user = next(iter(users.values()))
    extra = create_extra_members(rng, max(30, count // 40), now, any_user.password_hash)
    ids = {name: user.id for name, user in users.items()} | extra
    members = [name for name, *_ in people.MEMBERS] + list(extra)
    pool = BodyPool(rng)
    planner = Planner(rng, members, body=pool.body)
    tag_ids = _tag_ids(set(catalog.TAGS) | {p["tag"] for p in catalog.PRODUCTS} | {entry[1] for entry in catalog.OFFTOPIC})
    writer = BulkWriter(ids, categories, {users[n].id for n in STAFF_USERNAMES}, tag_ids, pool, now, rng)
    long_every = 1000
    with click.progressbar(range(count), label="Writing threads in bulk", show_pos=True) as bar:
        for n in bar:
            writer.add(planner.thread(long_thread=n % long_every == long_every // 2))
            if len(writer.rows["threads"]) >= BATCH:
                writer.flush()
    writer.flush()
    writer.write_counters()
    _reset_sequences()
    echo(f"Wrote {count} threads ({writer.post_id - 1} posts in all) with {len(pool.rendered)} distinct texts. "
         "Run `flask search rebuild` to index them.")
