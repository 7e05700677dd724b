"""The shape of the demo community decided up front from a seed: who writes which thread, when, and who likes what."""
from dataclasses import dataclass, field

from .writer import WELCOME, Writer

DAY = 86400
SPAN_DAYS = 90

# (key, name, description, colour, staff_only, read_only, share of threads, kinds)
CATEGORIES = [
    ("announcements", "Announcements", "News from the Lumo Home team: releases, known issues, events.",
     "#b5542b", False, True, 0.04, ("announcement",)),
    ("product-qa", "Product Q&A", "Questions and troubles with any Lumo device or the app. Owners help owners.",
     "#2f6fa8", False, False, 0.45, ("question", "question", "question", "howto")),
    ("ideas", "Ideas & Feature Requests", "What should we build next? Tell us what you need and why.",
     "#6a4fb3", False, False, 0.22, ("request",)),
    ("show-and-tell", "Show & Tell", "Setups, recipes, automations and hacks you're proud of.",
     "#2e8a57", False, False, 0.13, ("show",)),
    ("off-topic", "Off-topic", "Everything else. Be kind.", "#6b6f76", False, False, 0.12, ("offtopic",)),
    ("staff-room", "Staff room", "Only staff see this: coordination between facilitators and product.",
     "#8a6d1f", True, False, 0.04, ("staffroom",)),
]
STAFF_KINDS = {"announcement", "staffroom"}
FACILITATORS = ("fran", "felix")
PRODUCT_MANAGER = "pat"
STAFF_USERNAMES = ("fran", "felix", "pat", "ada")
# Joined days ago, posted nothing yet: the people a facilitator should welcome.
NEWCOMERS = ("zoe_newbie", "lucy_in_leeds")


@dataclass
class PostPlan:
    author: str
    voice: str
    body: str
    at: float  # seconds before now
    likers: list = field(default_factory=list)


@dataclass
class ThreadPlan:
    category: str
    kind: str
    title: str
    tags: list
    author: str
    is_feature_request: bool
    request_status: str
    posts: list  # PostPlan, the opening post first
    ctx: dict = field(repr=False, default_factory=dict)


def pick_category(rng):
    roll, total = rng.random(), 0.0
    for entry in CATEGORIES:
        total += entry[6]
        if roll < total:
            return entry
    return CATEGORIES[1]


def later(at, gap):
    """A moment gap seconds after `at` (both counted back from now), never in the future."""
    return at - gap if at - gap > 30 else at * 0.8


def reply_count(rng, long_thread=False):
    """Most threads get a few replies, some none, a few run long."""
    if long_thread:
        return rng.randint(49, 64)
    roll = rng.random()
    if roll < 0.10:
        return 0
    if roll < 0.50:
        return rng.randint(1, 3)
    if roll < 0.85:
        return rng.randint(4, 8)
    if roll < 0.97:
        return rng.randint(9, 18)
    return rng.randint(19, 30)


class Planner:
    """Draws thread plans one by one from one random.Random, so a seed always gives the same community."""

    def __init__(self, rng, members, body=None):
        self.rng = rng
        self.writer = Writer(rng)
        # Earlier members in the list post more: a few regulars, a long tail of occasional posters.
        self.members = [m for m in members if m not in NEWCOMERS and m not in STAFF_USERNAMES]
        self.weights = [1.0 / (1 + i * 0.15) for i in range(len(self.members))]
        self.likers = self.members + list(FACILITATORS)
        # body(kind_key, voice, ctx, compose) -> text; the bulk loader passes a pooling one.
        self.body = body or (lambda key, voice, ctx, compose: compose())

    def member(self, exclude=()):
        while True:
            name = self.rng.choices(self.members, self.weights)[0]
            if name not in exclude:
                return name

    def thread(self, long_thread=False, category=None):
        rng, writer = self.rng, self.writer
        entry = category or pick_category(rng)
        key, kind = entry[0], rng.choice(entry[7])
        ctx = writer.context(kind)
        subject = ctx["problem_short"] if kind == "question" else ctx["feature_short"] if kind == "request" else \
            ctx["show"] if kind == "show" else ctx["question"] if kind == "offtopic" else ""
        pool_key = (kind, ctx["product_key"], subject)
        if kind in STAFF_KINDS:
            author = rng.choice(STAFF_USERNAMES[:3])
        else:
            author = self.member()
        title = writer.title(ctx)
        tags = writer.tags(ctx)
        start = rng.uniform(0.02, SPAN_DAYS) * DAY
        opening = PostPlan(author, "opening", self.body(pool_key, "opening", ctx, lambda: writer.opening(ctx)), start)
        posts = [opening]
        at = start
        for n in range(reply_count(rng, long_thread)):
            voice, who = self._voice(kind, author, n, posts)
            at = later(at, rng.expovariate(1 / (5 * 3600)))
            posts.append(PostPlan(who, voice, self.body(pool_key, voice, ctx, lambda v=voice: writer.reply(ctx, v)), at))
        if kind == "request" and ctx["status"] != "open":
            at = later(at, rng.uniform(3600, 3 * DAY))
            posts.append(PostPlan(PRODUCT_MANAGER, "pm", self.body(pool_key, "pm", ctx, lambda: writer.reply(ctx, "pm")), at))
        for post in posts:
            post.likers = self._likers(post.author, opening=post is opening)
        return ThreadPlan(category=key, kind=kind, title=title, tags=tags, author=author,
                          is_feature_request=kind == "request", request_status=ctx["status"], posts=posts, ctx=ctx)

    def _voice(self, kind, author, n, posts):
        rng = self.rng
        if kind in STAFF_KINDS:
            if kind == "staffroom" or rng.random() < 0.3:
                return "staff", rng.choice([s for s in STAFF_USERNAMES[:3] if s != author] or ["fran"])
            return "member", self.member()
        roll = rng.random()
        staff_here = any(p.voice == "staff" for p in posts)
        if kind in ("question", "howto") and not staff_here and n >= 1 and roll < 0.35:
            return "staff", rng.choice(FACILITATORS)
        if kind == "show" and not staff_here and roll < 0.12:
            return "staff", rng.choice(FACILITATORS)
        if n >= 1 and roll > 0.78 and kind != "offtopic":
            return "op", author
        return "member", self.member(exclude=(author,))

    def _likers(self, author, opening=False):
        rng = self.rng
        # Openings collect most likes; most replies get none, a good answer gets a few.
        count = rng.choice((0, 1, 1, 2, 3, 4, 6, 9) if opening else (0, 0, 0, 0, 0, 0, 1, 1, 2, 4))
        pool = [m for m in self.likers if m != author]
        return rng.sample(pool, min(count, len(pool)))


def plan_community(seed, threads, members):
    """The whole demo as data: the same seed and sizes give the same titles, authors and texts."""
    import random

    planner = Planner(random.Random(seed), members)
    plans = [planner.thread(category=entry) for entry in CATEGORIES]  # every category has something
    plans[0].title = "Welcome to the Lumo Home community"  # the pinned announcement newcomers see first
    plans[0].posts[0].body = WELCOME
    plans += [planner.thread() for _ in range(max(threads - len(plans), 0))]
    return plans[:threads] if threads < len(plans) else plans
