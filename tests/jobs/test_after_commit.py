"""After-commit work is guarded: a step that raises is logged and kept as a failed step, the write it followed
stands, and the steps after it still run."""
import re

from sqlalchemy import select

from community import realtime
from community.database import after_commit, commit
from community.extensions import db
from community.jobs.models import Job
from community.moderation.models import Flag
from community.notifications.models import Notification
from community.settings import update_setting


def _thread_followed_by(make_thread, author, follower):
    from community.forum.actions import set_following

    thread = make_thread(author=author, title="Shipping times this winter")
    set_following(follower, thread, True)
    return thread


def test_a_receiver_that_raises_leaves_the_reply_saved_and_the_receivers_after_it_running(
        app, client, auth, make_member, make_thread, admin, monkeypatch, caplog):
    author, follower = make_member("rita"), make_member("fred")
    thread = _thread_followed_by(make_thread, author, follower)
    # Watched words flag posts from a receiver that runs after the live-update receiver on the same signal.
    update_setting(admin, "watched_words", {"block": [], "hold": [], "flag": ["lawsuit"]})

    def broken_live_update(post, audience):
        raise ConnectionError("the Socket.IO message queue is down")

    monkeypatch.setattr(realtime, "post_created", broken_live_update)
    auth.login("rita")
    response = auth.post(f"/t/{thread.id}/reply", {"body": "We may need a lawsuit if parcels keep getting lost."})

    assert response.status_code == 302  # not a 500: the reply was committed before the live update failed
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "parcels keep getting lost" in page.get_data(as_text=True)
    post_id = int(re.search(r"#post-(\d+)", response.headers["Location"]).group(1))
    flags = db.session.scalars(select(Flag).where(Flag.user_id.is_(None))).all()
    assert len(flags) == 1 and "lawsuit" in flags[0].text  # the receiver after the broken one still ran
    follower_notes = db.session.scalars(select(Notification).where(Notification.user_id == follower.id)).all()
    assert [n.kind for n in follower_notes] == ["reply"]  # the notification job is not a receiver at all

    failure = next(r for r in caplog.records if "After-commit step" in r.getMessage())
    assert "community.notifications.receivers.on_post_published on post-created failed" in failure.getMessage()
    assert failure.exc_info is not None and "message queue is down" in caplog.text
    step = db.session.scalar(select(Job).where(Job.kind == "after_commit"))
    assert step.state == "failed" and "ConnectionError: the Socket.IO message queue is down" == step.error_summary
    assert post_id


def test_a_callback_that_raises_does_not_stop_the_callbacks_after_it(app, member, caplog):
    ran = []

    def broken():
        raise ValueError("broken step")

    member.bio = "Written before the steps"
    after_commit(broken)
    after_commit(lambda: ran.append("second"))
    commit()  # returns normally: the write is committed whatever its steps do
    after_commit(broken)
    after_commit(lambda: ran.append("third"))
    commit()

    assert ran == ["second", "third"]
    db.session.expire_all()
    assert member.bio == "Written before the steps"
    assert caplog.text.count("ValueError: broken step") == 2
    steps = db.session.scalars(select(Job).where(Job.kind == "after_commit")).all()
    assert len(steps) == 1 and steps[0].attempts == 2  # one row per step, counting its failures
    assert steps[0].payload["step"].endswith("test_a_callback_that_raises_does_not_stop_the_callbacks_after_it"
                                             ".<locals>.broken")


def test_a_step_that_broke_the_session_does_not_break_the_steps_after_it(app, member, make_member):
    seen = []

    def failing_write():
        make_member("dup", email=member.email)  # refused by the unique address: the statement fails

    after_commit(failing_write)
    after_commit(lambda: seen.append(db.session.scalar(select(Notification.id).limit(1))))
    commit()
    assert seen == [None]  # the later step could still query
