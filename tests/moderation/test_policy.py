"""Community policy (automod): what is published, held with a reason, or refused with the text kept."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.database import utcnow
from community.errors import Invalid
from community.forum.actions import create_post, create_thread, edit_post
from community.forum.models import Post
from community.moderation.models import Flag
from community.posting.automod import assess_post, is_low_effort, is_trusted
from community.settings import update_setting


@pytest.fixture
def newcomer(make_member):
    return make_member("newbie")


def test_new_member_with_one_link_is_published(newcomer, make_thread):
    thread = make_thread()
    post = create_post(newcomer, thread, "The manual is at https://docs.example.org/manual if it helps.")
    assert post.state == "published"


def test_new_member_with_two_links_is_held_with_a_reason(newcomer, make_thread):
    thread = make_thread()
    post = create_post(newcomer, thread, "See https://a.example.org/x and also [this](https://b.example.org/y).")
    assert post.state == "held"
    assert "at most 1 link" in post.state_reason
    assert thread.reply_count == 0


def test_trusted_member_may_post_several_links(make_trusted, make_thread):
    veteran = make_trusted("veteran")
    post = create_post(veteran, make_thread(), "https://a.example.org https://b.example.org https://c.example.org")
    assert post.state == "published"


def test_member_becomes_trusted_with_age_and_published_posts(make_member, make_thread, app):
    app.config["TRUST_MIN_PUBLISHED_POSTS"] = 2
    member = make_member("grower", created_at=utcnow() - timedelta(days=10))
    assert not is_trusted(member)
    thread = make_thread()
    create_post(member, thread, "First helpful answer about the printer settings.")
    create_post(member, thread, "Second answer with the firmware version number.")
    assert is_trusted(member)


def test_young_account_is_not_trusted_whatever_it_posted(make_member, app):
    app.config["TRUST_MIN_PUBLISHED_POSTS"] = 0
    assert not is_trusted(make_member("fresh"))


def test_links_to_commercial_domains_are_held_even_for_trusted_members(make_trusted, make_thread):
    post = create_post(make_trusted("seller"), make_thread(), "Cheaper here: https://www.amazon.com/dp/B000")
    assert post.state == "held"
    assert "www.amazon.com" in post.state_reason


def test_shop_links_from_new_members_are_held(newcomer, make_thread):
    post = create_post(newcomer, make_thread(), "Bought mine at https://shop.example.com/item/4")
    assert post.state == "held"
    assert "shop.example.com" in post.state_reason


def test_lookalike_domain_is_not_treated_as_commercial(make_trusted, make_thread):
    post = create_post(make_trusted("lookalike"), make_thread(), "My blog: https://notamazon.com/post")
    assert post.state == "published"


def test_low_effort_reply_is_refused_with_a_like_suggestion(newcomer, make_thread):
    thread = make_thread()
    with pytest.raises(Invalid) as refused:
        create_post(newcomer, thread, "+1")
    assert "Like button" in refused.value.message
    assert refused.value.field == "body"


def test_low_effort_reply_sent_anyway_is_held(newcomer):
    assessment = assess_post(newcomer, "Great post!!", reply=True, acknowledged_low_effort=True)
    assert assessment.state == "held"
    assert "short replies" in assessment.reason


@pytest.mark.parametrize("text", ["+1", "Thanks!", "great post 👍", "Me too.", "this", "thanks, nice"])
def test_short_phrases_read_as_low_effort(app, text):
    assert is_low_effort(text)


@pytest.mark.parametrize("text", ["Thanks, resetting the router fixed it for me.", "This worked", "nice one, how?"])
def test_replies_with_substance_are_not_low_effort(app, text):
    assert not is_low_effort(text)


def test_opening_post_is_never_low_effort(newcomer, make_category):
    thread = create_thread(newcomer, make_category(), "A question about the app", "Thanks")
    assert thread.reply_count == 0
    post = thread_first_post(thread)
    assert post.state == "published"


def thread_first_post(thread):
    from community.extensions import db
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def test_blocked_word_refuses_the_post_naming_the_word(newcomer, make_thread, admin):
    update_setting(admin, "watched_words", {"block": ["scamcoin"], "hold": [], "flag": []})
    with pytest.raises(Invalid) as refused:
        create_post(newcomer, make_thread(), "Buy SCAMCOIN today, friends")
    assert "scamcoin" in refused.value.message


def test_hold_word_holds_the_post(newcomer, make_thread, admin):
    update_setting(admin, "watched_words", {"block": [], "hold": ["refund*"], "flag": []})
    post = create_post(newcomer, make_thread(), "I want my refunds processed faster please.")
    assert post.state == "held"
    assert "Awaiting review" in post.state_reason


def test_flag_word_publishes_and_raises_a_policy_flag(newcomer, make_thread, admin, db):
    update_setting(admin, "watched_words", {"block": [], "hold": [], "flag": ["lawsuit"]})
    post = create_post(newcomer, make_thread(), "Somebody should file a lawsuit over this battery.")
    assert post.state == "published"
    flags = db.session.scalars(select(Flag).where(Flag.post_id == post.id)).all()
    assert len(flags) == 1
    assert flags[0].user_id is None and "lawsuit" in flags[0].text


def test_watched_words_match_whole_words_only(newcomer, make_thread, admin):
    update_setting(admin, "watched_words", {"block": ["ass"], "hold": [], "flag": []})
    post = create_post(newcomer, make_thread(), "The glass panel has a class of its own.")
    assert post.state == "published"


def test_staff_are_never_held(facilitator, make_thread, admin):
    update_setting(admin, "watched_words", {"block": [], "hold": ["refund"], "flag": []})
    post = create_post(facilitator, make_thread(),
                       "refund info: https://amazon.com/a https://amazon.com/b https://docs.example.org/c")
    assert post.state == "published"


def test_author_editing_a_held_post_keeps_it_in_review(newcomer, make_thread):
    post = create_post(newcomer, make_thread(), "Two links https://a.example.org https://b.example.org")
    edit_post(newcomer, post, "Just one now: https://a.example.org")
    assert post.state == "held"


def test_editing_a_published_post_to_add_commercial_links_holds_it(make_trusted, make_thread):
    author = make_trusted("editor")
    thread = make_thread()
    post = create_post(author, thread, "An honest review of the printer after a month.")
    assert thread.reply_count == 1
    edit_post(author, post, "An honest review, buy it at https://amazon.com/printer")
    assert post.state == "held"
    assert thread.reply_count == 0
