"""Deadlines members are told about: a silence's end and a close timer read as dates ahead, never "just now"."""
import re

import pytest

from community.errors import NotAllowed
from community.forum.actions import create_post
from community.moderation import threads
from community.moderation.members import silence_member

from .conftest import moderation_notes


def date_in_words(value, zone=False):
    """'2 Dec 2026, 05:20' (and ' UTC'): the dates pages print, written out here without Babel."""
    return f"{value.day} {value:%b %Y, %H:%M}" + (" UTC" if zone else "")


def visible_text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def silenced(make_trusted, facilitator):
    member = make_trusted("loud")
    silence_member(facilitator, member, 1, "Three heated replies in ten minutes; take an hour.")
    return member


def test_silenced_member_sees_why_and_until_when_on_a_thread_page(silenced, make_thread, auth, client):
    thread = make_thread(title="Kettle lid will not close")
    auth.login("loud")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    until = silenced.silenced_until
    assert f'<time datetime="{until:%Y-%m-%dT%H:%M:%SZ}"' in page
    text = visible_text(page)
    assert f"You can read but not post until {date_in_words(until, zone=True)}." in text
    assert "Reason: Three heated replies in ten minutes; take an hour." in text
    assert "just now" not in text


def test_silence_notice_tells_the_member_how_long_and_until_when(silenced):
    until = date_in_words(silenced.silenced_until, zone=True)
    assert f"You can read but not post for 1 hour, until {until}. Reason:" in moderation_notes(silenced)[-1]


def test_refused_reply_of_a_silenced_member_says_until_when(silenced, make_thread):
    with pytest.raises(NotAllowed, match=re.escape(f"silenced until {date_in_words(silenced.silenced_until, True)}")):
        create_post(silenced, make_thread(), "But I was not finished!")


def test_facilitator_sees_the_end_of_a_silence_as_a_date(silenced, facilitator, auth, client):
    auth.login("fran")
    text = visible_text(client.get("/mod/members/loud").get_data(as_text=True))
    assert f"Silenced until {date_in_words(silenced.silenced_until, zone=True)}: Three heated" in text


def test_one_hour_close_timer_does_not_read_just_now(discussion, facilitator, auth, client):
    thread, _, _ = discussion
    auth.login("fran")
    response = auth.post(f"/mod/threads/{thread.id}/close", {"when": "1", "reason": "Launch thread: one more hour."})
    assert response.status_code == 302
    closes = f'<time datetime="{thread.closes_at:%Y-%m-%dT%H:%M:%SZ}"'
    for path in (f"/mod/threads/{thread.id}", f"/t/{thread.id}"):
        page = client.get(path).get_data(as_text=True)
        assert f"Closes {closes}" in page, path
        assert "Closes " + date_in_words(thread.closes_at) in visible_text(page), path
        assert "just now" not in visible_text(page), path


def test_close_timer_notice_says_in_1_hour_and_when(discussion, facilitator):
    thread, _, _ = discussion
    threads.set_close_timer(facilitator, thread, 1, "Launch thread: one more hour.")
    notice = moderation_notes(thread.author)[-1]
    assert f"will close for replies in 1 hour, on {date_in_words(thread.closes_at, zone=True)}." in notice
    assert "1 hours" not in notice

