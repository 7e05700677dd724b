""""Did you mean": offered only from words the asker may see, and shown as the word is written."""
import pytest

from community.forum.actions import create_post
from community.moderation.actions import hide_post
from community.search.queries import search


@pytest.fixture
def codename(make_thread, make_category, member, facilitator, index_now):
    staff_room = make_category("Staff room", staff_only=True)
    make_thread(author=facilitator, category=staff_room, title="Codename Blueharrier launch",
                body="Blueharrier ships in March with the new pricing.")
    make_thread(author=member, title="Kettle beeps", body="The kettle beeps at night.")
    index_now()


def test_a_member_is_never_offered_a_word_only_staff_can_see(codename, member):
    results = search(member, "blueharier")
    assert results.total == 0
    assert results.suggestion == ""


def test_staff_are_offered_the_staff_word_as_it_is_written_not_stemmed(codename, product_manager):
    results = search(product_manager, "blueharier")
    assert results.suggestion == "blueharrier"


def test_the_page_shows_a_member_no_staff_word(codename, client, auth):
    auth.login("maria")
    page = client.get("/search?q=blueharier").get_data(as_text=True)
    assert "Did you mean" not in page
    assert "blueharri" not in page.replace("blueharier", "")


def test_a_word_only_in_a_hidden_thread_is_not_offered(make_thread, make_member, member, facilitator, index_now):
    thread = make_thread(author=make_member("olga"), title="Zanzibarian refund scheme", body="Rant.")
    hide_post(facilitator, thread.opening_post, "Abuse")
    index_now()
    assert search(member, "zanzibarien").suggestion == ""
    assert search(facilitator, "zanzibarien").suggestion == "zanzibarian"


def test_the_suggestion_is_the_visible_word_nearest_to_what_was_typed(make_thread, make_category, member,
                                                                      index_now, client):
    billing = make_category("Billing")
    make_thread(category=billing, title="Billing questions", body="Invoices arrive late.")
    index_now()

    results = search(member, "biling category:billing")
    assert results.total == 0
    assert results.suggestion == "billing category:billing"

    page = client.get("/search?q=biling").get_data(as_text=True)
    assert "Did you mean <a" in page and ">billing</a>?" in page


def test_words_that_find_visible_posts_are_left_alone(make_thread, member, index_now):
    thread = make_thread(title="Kettle beeps", body="The kettle beeps at night.")
    create_post(member, thread, "My kettle whistles instead of beeping.")
    index_now()
    results = search(member, "whistles kettel")  # "whistles" is in a reply only, never in a title
    assert results.all_words == 0
    assert results.suggestion == "whistles kettle"


def test_a_suggestion_that_finds_no_more_threads_than_the_words_typed_is_not_offered(make_thread, member, index_now,
                                                                                    client):
    make_thread(title="Pro tips for the new year", body="Descale the kettle every month.")
    make_thread(title="Once a year service", body="Send it in once a year for a check.")
    index_now()

    results = search(member, "pay once a year")  # "pay" is nowhere; "pro" is the nearest title word

    assert results.suggestion == "" and results.all_words == 0
    assert "Did you mean" not in client.get("/search?q=pay+once+a+year").get_data(as_text=True)
    assert search(member, "once a yeer").suggestion == "once a year"  # a correction that finds more is offered
