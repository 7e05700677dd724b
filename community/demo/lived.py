"""What makes the loaded demo look lived-in rather than freshly written: view counts that fit each thread, and
notifications dated when things happened, most of them read long ago and a few recent ones still new."""
from datetime import timedelta
from itertools import groupby

from sqlalchemy import func, select, update

from ..extensions import db
from ..notifications.models import Notification

LIKE_DELAY = timedelta(minutes=17)  # likes land a little after the post
UNREAD_LEFT = (1, 5)  # each member still has this many of their newest notifications to read (fewer if they have fewer)


def plausible_views(rng, posts, likes, age_days, staff_only=False):
    """How many times a thread of this size, appreciation and age would have been opened.

    Readers far outnumber writers (about a dozen views per post), liked threads get passed around, and an older
    thread keeps collecting visits from search for a while; the noise is the seeded rng's, so a seed gives the
    same counts. Staff-only threads are read by the handful of staff."""
    noise = rng.lognormvariate(0, 0.3)
    if staff_only:
        return max(posts, round((2 + 1.5 * posts) * noise))
    aging = (1 + min(age_days, 90) / 30) ** 0.6
    return max(posts + 1, round((14 + 11 * posts + 5 * likes) * aging * noise))


def date_notifications(post_times, now, status_at=None, thread_id=None):
    """Notifications about posts (replies, mentions, likes) carry the moment of the post or like; a request's
    status notifications the moment of the status change. post_times: {post id: created_at}."""
    if not post_times:
        return
    rows = db.session.execute(select(Notification.id, Notification.post_id, Notification.kind)
                              .where(Notification.post_id.in_(post_times))).all()
    dated = [{"id": nid, "created_at": min(post_times[pid] + LIKE_DELAY, now) if kind == "like" else post_times[pid]}
             for nid, pid, kind in rows]
    if status_at is not None and thread_id is not None:
        dated += [{"id": nid, "created_at": status_at} for nid in db.session.scalars(
            select(Notification.id).where(Notification.thread_id == thread_id, Notification.kind == "request_status"))]
    if dated:
        db.session.execute(update(Notification), dated)


def settle_notifications(rng, now):
    """Mark each member's notifications read a while after they arrived, except a few of the newest ones."""
    rows = db.session.execute(select(Notification.id, Notification.user_id, Notification.created_at)
                              .order_by(Notification.user_id, Notification.created_at.desc(), Notification.id.desc()))
    read = []
    for _user_id, group in groupby(rows, key=lambda row: row.user_id):
        left = rng.randint(*UNREAD_LEFT)
        for index, (nid, _uid, created) in enumerate(group):
            if index >= left:
                opened = created + timedelta(minutes=rng.uniform(3, 30 * 60))
                read.append({"id": nid, "read_at": max(created, min(opened, now - timedelta(minutes=1)))})
    if read:
        db.session.execute(update(Notification), read)
    db.session.commit()


def last_reads():
    """{member id: when they last read a notification}, for their last-seen dates."""
    return dict(db.session.execute(select(Notification.user_id, func.max(Notification.read_at))
                                   .group_by(Notification.user_id)).all())
