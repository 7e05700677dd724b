"""Members flag posts; enough trusted flags hide a post pending review; staff resolve flags."""
import pytest
from sqlalchemy import select

from community.errors import Invalid, NotAllowed
from community.forum.actions import create_post
from community.moderation.actions import COMMUNITY_HIDE_REASON
from community.moderation.flags import flag_post, resolve_flags
from community.moderation.models import AuditEntry, Flag

from .conftest import moderation_notes


@pytest.fixture
def rude_post(make_trusted, make_thread):
    return create_post(make_trusted("rude"), make_thread(), "Only an idiot would buy this printer.")


def test_member_flags_a_post_once(rude_post, make_trusted, db):
    flagger = make_trusted("flagger")
    flag_post(flagger, rude_post, "inappropriate")
    with pytest.raises(Invalid):
        flag_post(flagger, rude_post, "spam")
    assert db.session.query(Flag).filter_by(post_id=rude_post.id).count() == 1


def test_something_else_needs_an_explanation(rude_post, make_trusted):
    with pytest.raises(Invalid) as refused:
        flag_post(make_trusted("vague"), rude_post, "other", "")
    assert refused.value.field == "text"


def test_members_cannot_flag_their_own_posts(rude_post):
    with pytest.raises(NotAllowed):
        flag_post(rude_post.author, rude_post, "spam")


def test_enough_trusted_flags_hide_the_post_pending_review(rude_post, make_trusted, app, db):
    app.config["FLAGS_TO_HIDE"] = 3
    for name in ("trust1", "trust2"):
        flag_post(make_trusted(name), rude_post, "inappropriate")
    assert rude_post.state == "published"
    flag_post(make_trusted("trust3"), rude_post, "off_topic")
    assert rude_post.state == "hidden"
    assert rude_post.state_reason == COMMUNITY_HIDE_REASON
    assert rude_post.thread.reply_count == 0
    assert any("community flags" in n for n in moderation_notes(rude_post.author))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "community_hide"))
    assert entry.actor_id is None


def test_flags_from_new_accounts_do_not_hide_a_post(rude_post, make_member, app):
    app.config["FLAGS_TO_HIDE"] = 2
    for name in ("new1", "new2", "new3"):
        flag_post(make_member(name), rude_post, "spam")
    assert rude_post.state == "published"


def test_staff_disagreeing_restores_and_resolves(rude_post, make_trusted, facilitator, app, db):
    app.config["FLAGS_TO_HIDE"] = 1
    flag_post(make_trusted("trust1"), rude_post, "inappropriate")
    assert rude_post.state == "hidden"
    resolve_flags(facilitator, rude_post, agree=False, reason="Blunt, but about the product, not a person.")
    assert rude_post.state == "published"
    assert db.session.query(Flag).filter(Flag.resolved_at.is_(None)).count() == 0
    assert db.session.scalar(select(Flag.resolution)) == "disagreed"


def test_staff_agreeing_keeps_it_hidden_with_their_reason(rude_post, make_trusted, facilitator, app):
    app.config["FLAGS_TO_HIDE"] = 5
    flag_post(make_trusted("trust1"), rude_post, "inappropriate")
    resolve_flags(facilitator, rude_post, agree=True, reason="Insulting other customers.")
    assert rude_post.state == "hidden"
    assert rude_post.state_reason == "Insulting other customers."
    assert any("Insulting other customers." in n for n in moderation_notes(rude_post.author))


def test_member_cannot_resolve_flags(rude_post, make_trusted):
    flag_post(make_trusted("trust1"), rude_post, "spam")
    with pytest.raises(NotAllowed):
        resolve_flags(make_trusted("trust2"), rude_post, agree=True, reason="I agree with myself.")
