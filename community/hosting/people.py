"""Reads about people for the floor: edges of the crowd, welcomes, introductions and member notes."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import combinations

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, lazyload, selectinload

from .. import permissions
from ..auth.models import User, UserInterest
from ..database import utcnow
from ..extensions import db
from ..forum.models import Category, Post, PostLike, Tag, Thread
from .models import Introduction, MemberNote, Welcome

NEWCOMER_DAYS = 30
QUIET_DAYS = 30
WELCOME_DAYS = 14
SUGGESTION_THREAD_DAYS = 90
INTRO_CANDIDATES = 200
INTRO_SUGGESTIONS = 12
INTRO_PER_PERSON = 2
NEWCOMER_BONUS = 3


def _limit():
    return current_app.config.get("FLOOR_ITEMS_PER_SECTION", 25)


def _members():
    """Active members (not staff, not suspended)."""
    return and_(permissions.customers_only(User.role), User.suspended_at.is_(None))


@dataclass
class EdgePerson:
    user: User
    post: Post = None  # their first (or only) post, when they wrote one
    interests: set = field(default_factory=set)  # what they care about: stated interests and their thread's tags
    suggested_member: User = None
    shared_interests: list = field(default_factory=list)
    suggested_thread: Thread = None


@dataclass
class Edges:
    unanswered: list  # newcomers whose first post got no reply
    quiet: list  # members who posted once and went quiet
    silent: list  # new members with interests but no post yet

    @property
    def total(self):
        return len(self.unanswered) + len(self.quiet) + len(self.silent)


def _post_options():
    return [selectinload(Post.thread).options(selectinload(Thread.author).options(lazyload(User.interests))),
            lazyload(Post.reply_to)]


def newcomers_without_reply(now):
    """Newcomers whose first post nobody else has answered yet, longest waiting first."""
    first = (
        select(Post.author_id, func.min(Post.id).label("post_id"))
        .join(User, User.id == Post.author_id)
        .where(_members(), User.created_at >= now - timedelta(days=NEWCOMER_DAYS),
               Post.state == "published", Post.deleted_at.is_(None))
        .group_by(Post.author_id).subquery()
    )
    later = aliased(Post)
    answered = exists().where(later.thread_id == Post.thread_id, later.number > Post.number,
                              later.author_id != Post.author_id, later.state == "published",
                              later.deleted_at.is_(None))
    stmt = (select(Post).join(first, first.c.post_id == Post.id).where(~answered)
            .order_by(Post.created_at, Post.id).limit(_limit())
            .options(selectinload(Post.author), *_post_options()))
    return [EdgePerson(post.author, post) for post in db.session.scalars(stmt)]


def quiet_members(now):
    """Members whose one and only post is older than QUIET_DAYS; the most recently quiet first."""
    stmt = (
        select(User, Post).join(Post, Post.author_id == User.id)
        .where(_members(), User.post_count == 1, Post.state == "published", Post.deleted_at.is_(None),
               Post.created_at < now - timedelta(days=QUIET_DAYS))
        .order_by(Post.created_at.desc(), Post.id.desc()).limit(_limit())
        .options(*_post_options())
    )
    return [EdgePerson(user, post) for user, post in db.session.execute(stmt)]


def silent_newcomers(now):
    """New members who told us their interests but have not posted yet, longest waiting first."""
    has_interest = exists().where(UserInterest.user_id == User.id)
    stmt = (select(User).where(_members(), User.created_at >= now - timedelta(days=NEWCOMER_DAYS),
                               User.post_count == 0, has_interest)
            .order_by(User.created_at, User.id).limit(_limit()))
    return [EdgePerson(user) for user in db.session.scalars(stmt)]


def _like(word):
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def attach_suggestions(people, now):
    """Give each person a member who shares their interests and a thread about them, in three queries."""
    for person in people:
        person.interests = set(person.user.interest_names)
        if person.post is not None:
            person.interests.update(person.post.thread.tag_names)
    interests = sorted(set().union(*(p.interests for p in people))) if people else []
    if not interests:
        return people
    # Members who have posted, the most active first, so a suggestion points at someone likely to answer.
    rows = db.session.execute(
        select(UserInterest.user_id, UserInterest.name).join(User, User.id == UserInterest.user_id)
        .where(UserInterest.name.in_(interests), _members(), User.post_count > 0)
        .order_by(User.post_count.desc(), User.id).limit(2000)
    ).all()
    others = defaultdict(set)
    for user_id, name in rows:
        others[user_id].add(name)
    chosen = {}
    for person in people:
        best = max((uid for uid in others if uid != person.user.id),
                   key=lambda uid: len(others[uid] & person.interests), default=None)
        if best is not None and others[best] & person.interests:
            chosen[person.user.id] = best
            person.shared_interests = sorted(others[best] & person.interests)
    if chosen:
        users = {u.id: u for u in db.session.scalars(
            select(User).where(User.id.in_(set(chosen.values()))).options(lazyload(User.interests)))}
        for person in people:
            if person.user.id in chosen:
                person.suggested_member = users.get(chosen[person.user.id])
    threads = db.session.scalars(
        select(Thread).join(Category, Category.id == Thread.category_id)
        .where(Thread.deleted_at.is_(None), Thread.redirect_to_id.is_(None), Category.staff_only.is_(False),
               Thread.last_posted_at >= now - timedelta(days=SUGGESTION_THREAD_DAYS),
               or_(Thread.tags.any(Tag.name.in_(interests)),
                   *[Thread.title.ilike(_like(word), escape="\\") for word in interests]))
        .order_by(Thread.reply_count.desc(), Thread.last_posted_at.desc()).limit(200)
        .options(lazyload(Thread.author))
    ).all()
    for person in people:
        own_thread = person.post.thread_id if person.post is not None else None
        for thread in threads:
            if thread.id == own_thread or thread.author_id == person.user.id:
                continue
            title = thread.title.lower()
            if person.interests & set(thread.tag_names) or any(word.lower() in title for word in person.interests):
                person.suggested_thread = thread
                break
    return people


def edges_of_the_crowd(now=None):
    """People at the edge of the room, each with someone or something to connect them to."""
    now = now or utcnow()
    edges = Edges(newcomers_without_reply(now), quiet_members(now), silent_newcomers(now))
    attach_suggestions(edges.unanswered + edges.quiet + edges.silent, now)
    return edges


def members_to_welcome(now=None):
    """Members who joined in the last WELCOME_DAYS days and have not been welcomed, longest waiting first."""
    now = now or utcnow()
    welcomed = exists().where(Welcome.member_id == User.id)
    return db.session.scalars(
        select(User).where(_members(), User.created_at >= now - timedelta(days=WELCOME_DAYS), ~welcomed)
        .order_by(User.created_at, User.id).limit(_limit() * 2)
    ).all()


def recent_welcomes(limit=10):
    return db.session.scalars(
        select(Welcome).order_by(Welcome.created_at.desc(), Welcome.id.desc()).limit(limit)
        .options(selectinload(Welcome.member).options(lazyload(User.interests)),
                 selectinload(Welcome.welcomed_by).options(lazyload(User.interests)))
    ).all()


@dataclass
class PairSuggestion:
    first: User
    second: User
    shared_interests: list
    newcomers: list = field(default_factory=list)  # the pair's members who joined in the last NEWCOMER_DAYS

    @property
    def score(self):
        # Two shared interests outweigh one; a newcomer comes first among pairs that share as much.
        return 2 * len(self.shared_interests) + (NEWCOMER_BONUS if self.newcomers else 0)


def introduction_suggestions(now=None, limit=INTRO_SUGGESTIONS):
    """Pairs of recently active or new members who share interests and have not met yet, newcomers first.

    Met means: posted in the same thread or liked each other's posts in the last SUGGESTION_THREAD_DAYS days, a
    direct conversation, or an earlier introduction. Nobody is in more than INTRO_PER_PERSON suggestions, so the
    list reaches many people rather than pairing one busy member with everyone."""
    now = now or utcnow()
    since = now - timedelta(days=NEWCOMER_DAYS)
    active = select(Post.author_id).where(Post.created_at >= since, Post.state == "published")
    candidates = db.session.scalars(
        select(User).where(_members(), or_(User.created_at >= since, User.id.in_(active)))
        .order_by(User.created_at.desc(), User.id.desc()).limit(INTRO_CANDIDATES)
    ).all()
    by_id = {u.id: u for u in candidates}
    if len(by_id) < 2:
        return []
    met = pairs_who_have_met(list(by_id), now - timedelta(days=SUGGESTION_THREAD_DAYS))
    interests_of = {uid: set(user.interest_names) for uid, user in by_id.items()}
    pairs = []
    for a, b in combinations(sorted(by_id), 2):
        shared = interests_of[a] & interests_of[b]
        if shared and (a, b) not in met:
            newcomers = [by_id[uid] for uid in (a, b) if by_id[uid].created_at >= since]
            pairs.append(PairSuggestion(by_id[a], by_id[b], sorted(shared), newcomers))
    pairs.sort(key=lambda p: (-p.score, p.first.id, p.second.id))
    return _spread(pairs, limit)


def _spread(pairs, limit, per_person=INTRO_PER_PERSON):
    """The best pairs, each person at most per_person times: first one pair each, then a second to fill up."""
    chosen, taken, seen = [], defaultdict(int), set()
    for cap in range(1, per_person + 1):
        for pair in pairs:
            if len(chosen) >= limit:
                break
            a, b = pair.first.id, pair.second.id
            if taken[a] < cap and taken[b] < cap and (a, b) not in seen:
                chosen.append(pair)
                seen.add((a, b))
                taken[a] += 1
                taken[b] += 1
    chosen.sort(key=lambda p: (-p.score, p.first.id, p.second.id))
    return chosen


def pairs_who_have_met(user_ids, since):
    """{(lower id, higher id)} of the given members who have already met (see introduction_suggestions)."""
    ids = set(user_ids)
    met = set()
    members_of = defaultdict(set)
    for author_id, thread_id in db.session.execute(
            select(Post.author_id, Post.thread_id).distinct()
            .where(Post.author_id.in_(ids), Post.state == "published", Post.deleted_at.is_(None),
                   Post.created_at >= since)):
        members_of[thread_id].add(author_id)
    for authors in members_of.values():
        met.update(combinations(sorted(authors), 2))
    liked = (select(PostLike.user_id, Post.author_id).join(Post, Post.id == PostLike.post_id)
             .where(PostLike.user_id.in_(ids), Post.author_id.in_(ids), PostLike.user_id != Post.author_id,
                    PostLike.created_at >= since).distinct())
    introduced = select(Introduction.first_id, Introduction.second_id).where(
        Introduction.first_id.in_(ids), Introduction.second_id.in_(ids))
    for a, b in [*db.session.execute(liked), *db.session.execute(introduced), *_direct_conversations(ids)]:
        met.add((min(a, b), max(a, b)))
    return met


def _direct_conversations(ids):
    """Pairs of the given members who share a direct conversation, when the chat area is installed."""
    try:
        from ..chat.models import Room, RoomMember
    except ImportError:
        return []
    other = aliased(RoomMember)
    return db.session.execute(
        select(RoomMember.user_id, other.user_id)
        .join(other, and_(other.room_id == RoomMember.room_id, other.user_id > RoomMember.user_id))
        .join(Room, Room.id == RoomMember.room_id)
        .where(Room.kind == "direct", RoomMember.user_id.in_(ids), other.user_id.in_(ids))
    ).all()


def recent_introductions(limit=10):
    return db.session.scalars(
        select(Introduction).order_by(Introduction.created_at.desc(), Introduction.id.desc()).limit(limit)
        .options(*[selectinload(r).options(lazyload(User.interests))
                   for r in (Introduction.first, Introduction.second, Introduction.introduced_by)])
    ).all()


def member_notes(member):
    """Staff notes on a member, newest first, with their authors."""
    return db.session.scalars(
        select(MemberNote).where(MemberNote.member_id == member.id)
        .order_by(MemberNote.created_at.desc(), MemberNote.id.desc())
        .options(selectinload(MemberNote.author).options(lazyload(User.interests)))
    ).all()


@dataclass
class NoteSummary:
    count: int
    latest: MemberNote


def note_summaries(member_ids):
    """{member id: NoteSummary} for the members that have notes: how many, and the newest with its author.

    One query for the whole page of members (plus one for the authors), however many notes there are."""
    member_ids = list(member_ids)
    if not member_ids:
        return {}
    ranked = (
        select(MemberNote.id,
               func.row_number().over(partition_by=MemberNote.member_id,
                                      order_by=(MemberNote.created_at.desc(), MemberNote.id.desc())).label("rn"),
               func.count().over(partition_by=MemberNote.member_id).label("notes"))
        .where(MemberNote.member_id.in_(member_ids))
        .subquery()
    )
    stmt = (select(MemberNote, ranked.c.notes).join(ranked, ranked.c.id == MemberNote.id).where(ranked.c.rn == 1)
            .options(selectinload(MemberNote.author).options(lazyload(User.interests))))
    return {note.member_id: NoteSummary(count, note) for note, count in db.session.execute(stmt)}
