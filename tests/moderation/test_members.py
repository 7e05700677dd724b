"""Silence (read, not post) for facilitators; suspension for admins only."""
import pytest

from community.errors import Invalid, NotAllowed
from community.forum.actions import create_post
from community.moderation.members import silence_member, suspend_member, unsilence_member, unsuspend_member

from .conftest import moderation_notes


def test_silenced_member_can_read_but_not_post(make_trusted, make_thread, facilitator, auth, client):
    member = make_trusted("loud")
    thread = make_thread()
    silence_member(facilitator, member, 24, "Three heated replies in an hour; take a day.")
    assert member.is_silenced()
    with pytest.raises(NotAllowed):
        create_post(member, thread, "But I wasn't finished!")
    auth.login("loud")
    assert client.get(f"/t/{thread.id}").status_code == 200
    assert any("take a day" in n for n in moderation_notes(member))


def test_unsilence_lets_them_post_again(make_trusted, make_thread, facilitator):
    member = make_trusted("calm")
    silence_member(facilitator, member, 1, "Cooling off.")
    unsilence_member(facilitator, member, "Thanks for your patience.")
    assert not member.is_silenced()
    assert create_post(member, make_thread(), "Back with a calmer take on the charger.").state == "published"


def test_staff_cannot_be_silenced(facilitator, admin):
    with pytest.raises(Invalid):
        silence_member(admin, facilitator, 24, "Testing.")


def test_member_cannot_silence_anyone(make_member):
    with pytest.raises(NotAllowed):
        silence_member(make_member("aaa1"), make_member("bbb1"), 24, "Because.")


def test_facilitator_cannot_suspend(facilitator, make_member):
    target = make_member("target")
    with pytest.raises(NotAllowed):
        suspend_member(facilitator, target, "Spam account.")
    assert target.is_active


def test_suspended_member_cannot_sign_in_and_is_signed_out(admin, make_member, auth, client):
    target = make_member("spammer")
    auth.login("spammer")
    assert client.get("/mod/my-history").status_code == 200
    suspend_member(admin, target, "Posting scam links after two warnings.")
    assert not target.is_active
    assert client.get("/mod/my-history").status_code in (302, 401)
    response = auth.login("spammer")
    assert b"suspended" in response.data
    unsuspend_member(admin, target, "Appeal accepted.")
    assert auth.login("spammer").status_code == 302


def test_admins_cannot_be_suspended(admin, make_member):
    other_admin = make_member("ada2", role="admin")
    with pytest.raises(Invalid):
        suspend_member(admin, other_admin, "No.")
