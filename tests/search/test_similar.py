"""Similar threads: shown while composing, so people vote instead of re-posting."""
from community.search.queries import similar_threads


def test_similar_threads_finds_the_existing_request_for_the_same_thing(make_thread, member, index_now):
    wanted = make_thread(title="Annual billing option", body="Please let me pay for the whole year up front.")
    make_thread(title="Dark mode for the dashboard", body="The white background hurts my eyes at night.")
    make_thread(title="Export invoices as PDF", body="Accounting needs PDF copies of each invoice.")
    index_now()

    found = similar_threads(member, "Yearly billing", "Can I pay annually instead of monthly billing?")

    assert found and found[0].id == wanted.id


def test_similar_threads_hides_staff_only_threads_from_members(make_thread, make_category, member, facilitator,
                                                               index_now):
    staff_room = make_category("Staff room", staff_only=True)
    secret = make_thread(author=facilitator, category=staff_room, title="Roadmap for annual billing",
                         body="Internal notes on annual billing pricing.")
    index_now()

    assert secret not in similar_threads(member, "annual billing", "")
    assert secret in similar_threads(facilitator, "annual billing", "")


def test_similar_threads_with_nothing_typed_is_empty(member, index_now):
    assert similar_threads(member, "", "") == []
