"""Builders for hosting tests: replies, moving things back in time, interests, flags and held posts."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from community.auth.models import UserInterest
from community.database import utcnow
from community.extensions import db
from community.forum.models import Post, Thread


@pytest.fixture
def reply(app):
    from community.forum.actions import create_post

    def make(author, thread, body="That worked for me after a restart."):
        return create_post(author, thread, body)

    return make


@pytest.fixture
def backdate(app):
    """Move a thread (and all its posts) or a single post or a member `minutes`/`days` into the past."""

    def move(obj, minutes=0, days=0):
        when = utcnow() - timedelta(minutes=minutes, days=days)
        if isinstance(obj, Thread):
            db.session.execute(update(Post).where(Post.thread_id == obj.id).values(created_at=when))
            obj.created_at = obj.last_posted_at = when
        else:
            obj.created_at = when
        db.session.commit()
        return obj

    return move


@pytest.fixture
def interested(app):
    def add(user, *names):
        for name in names:
            db.session.add(UserInterest(user_id=user.id, name=name))
        db.session.commit()
        db.session.refresh(user)
        return user

    return add
