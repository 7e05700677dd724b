"""Staff notes on the member directory's cards: a count and the latest note, for staff only, in bounded queries."""
import pytest

from community.hosting import actions, people
from tests.querycount import counted_queries

SECRET = "Prefers email; had a rough first week with the grinder."


@pytest.fixture
def noted(facilitator, admin, member, make_member):
    """maria has two notes (the later by ada), otto none."""
    actions.add_member_note(facilitator, member, "Met her at the spring meetup.")
    actions.add_member_note(admin, member, SECRET)
    return make_member("otto")


def card(page, username):
    """The HTML of one member's card on the directory page."""
    cards = [chunk for chunk in page.split('<li class="member-card">')[1:] if f"@{username}" in chunk]
    assert len(cards) == 1, f"no single card for {username}"
    return cards[0]


def test_staff_see_the_count_and_latest_note_on_each_card(client, auth, noted, product_manager):
    auth.login("pat")
    page = client.get("/members").get_data(as_text=True)
    maria = card(page, "maria")
    assert "2 staff notes" in maria and "rough first week with the grinder" in maria and "ada" in maria
    assert "spring meetup" not in maria  # only the latest is shown; the rest are on the profile
    assert "#member-notes-heading-" in maria
    assert "staff note" not in card(page, "otto")


@pytest.mark.parametrize("viewer", [None, "maria", "otto"])
def test_members_and_visitors_never_see_notes_or_their_count(client, auth, noted, viewer):
    if viewer:
        auth.login(viewer)
    page = client.get("/members").get_data(as_text=True)
    assert "maria" in page
    assert "grinder" not in page and "staff note" not in page and "data-member-notes" not in page


def test_the_directory_costs_the_same_queries_with_one_or_forty_noted_members(app, db, client, auth, facilitator,
                                                                              make_member):
    auth.login("fran")

    def directory_queries():
        with counted_queries(db) as statements:
            assert client.get("/members").status_code == 200
        return len(statements)

    first = make_member("aaron")
    actions.add_member_note(facilitator, first, "One note.")
    few = directory_queries()
    for number in range(30):
        person = make_member(f"bulk{number:02d}")
        for text in ("First note.", "Second note."):
            actions.add_member_note(facilitator, person, text)
    assert directory_queries() == few


def test_summaries_for_no_members_ask_nothing(db):
    with counted_queries(db) as statements:
        assert people.note_summaries([]) == {}
    assert statements == []
