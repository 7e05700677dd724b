"""Moderation fixtures: trusted members, a thread with replies, and reading a member's notifications."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.database import utcnow
from community.extensions import db
from community.forum.actions import create_post
from community.notifications.models import Notification


@pytest.fixture
def make_trusted(make_member):
    """A member past the trust threshold: an old account with enough published posts (none needed here)."""

    def make(username=None, **fields):
        from flask import current_app

        current_app.config["TRUST_MIN_PUBLISHED_POSTS"] = 0
        return make_member(username, created_at=utcnow() - timedelta(days=30), **fields)

    return make


@pytest.fixture
def discussion(make_thread, make_trusted, make_category):
    """A thread by maria-like author with two replies from others."""
    author = make_trusted("olive")
    other = make_trusted("omar")
    thread = make_thread(author=author, category=make_category("Product Q&A"), title="Printer keeps jamming")
    first = create_post(other, thread, "Try cleaning the rollers with a damp cloth.")
    second = create_post(author, thread, "That worked for a day, then it jammed again.")
    return thread, first, second


def notifications_for(user):
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)).all()


def moderation_notes(user):
    return [n.text for n in notifications_for(user) if n.kind == "moderation"]
