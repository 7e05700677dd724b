"""A thread whose opening post is hidden, held or rejected is found only by those its thread page opens for."""
from flask_login import AnonymousUserMixin

from community.forum.actions import create_post
from community.moderation.actions import approve_post, hide_post, request_review, unhide_post
from community.permissions import can_view_thread
from community.search.queries import search


def _thread_ids(results):
    return {t.thread_id for t in results.threads}


def _post_ids(results):
    return {p["post_id"] for t in results.threads for p in t.posts}


def _hidden_thread(make_thread, make_member, member, facilitator, index_now):
    thread = make_thread(author=member, title="Abusive rant about support", body="Opening zebracorn rant.",
                         tags=["rant"])
    reply = create_post(make_member("olga"), thread, "Zebracorn reply that stays published.")
    hide_post(facilitator, thread.opening_post, "Abuse")
    index_now()
    return thread, reply


def test_a_member_finds_neither_the_title_nor_the_replies_of_a_thread_whose_opening_post_was_hidden(
        make_thread, make_member, member, facilitator, index_now):
    thread, _reply = _hidden_thread(make_thread, make_member, member, facilitator, index_now)
    reader = make_member("rita")
    assert not can_view_thread(reader, thread)

    for words in ("zebracorn", "abusive rant", "reply stays published"):
        results = search(reader, words)
        assert thread.id not in _thread_ids(results), words
        assert results.total == 0 and results.total_posts == 0, words
        assert results.facets == {"category": [], "tags": []}, words


def test_a_visitor_and_a_product_manager_do_not_find_it_either(make_thread, make_member, member, facilitator,
                                                               product_manager, index_now):
    thread, _reply = _hidden_thread(make_thread, make_member, member, facilitator, index_now)
    for reader in (AnonymousUserMixin(), product_manager):
        assert not can_view_thread(reader, thread)
        assert thread.id not in _thread_ids(search(reader, "zebracorn"))


def test_its_author_and_moderators_still_find_the_whole_thread(make_thread, make_member, member, facilitator,
                                                               index_now):
    thread, reply = _hidden_thread(make_thread, make_member, member, facilitator, index_now)
    for reader in (member, facilitator):
        assert can_view_thread(reader, thread)
        results = search(reader, "zebracorn")
        assert _thread_ids(results) == {thread.id}
        assert _post_ids(results) == {thread.opening_post.id, reply.id}
        assert results.total == 1
        assert results.facets["tags"] == [("rant", 1)]


def test_the_replier_does_not_find_their_own_reply_while_the_thread_is_closed_to_them(
        make_thread, make_member, member, facilitator, index_now):
    thread, reply = _hidden_thread(make_thread, make_member, member, facilitator, index_now)
    olga = reply.author
    assert not can_view_thread(olga, thread)
    assert reply.id not in _post_ids(search(olga, "zebracorn"))


def test_the_author_does_not_see_others_hidden_replies_in_their_closed_thread(make_thread, make_member, member,
                                                                              facilitator, index_now):
    thread = make_thread(author=member, title="Abusive rant about support", body="Opening zebracorn rant.")
    other = create_post(make_member("oscar"), thread, "Another zebracorn reply, hidden too.")
    hide_post(facilitator, other, "Off topic")
    hide_post(facilitator, thread.opening_post, "Abuse")
    index_now()
    assert _post_ids(search(member, "zebracorn")) == {thread.opening_post.id}
    assert _post_ids(search(other.author, "zebracorn")) == set()


def test_showing_the_opening_post_again_brings_the_thread_back_for_everyone(make_thread, make_member, member,
                                                                            facilitator, index_now):
    thread, reply = _hidden_thread(make_thread, make_member, member, facilitator, index_now)
    reader = make_member("rita")
    assert thread.id not in _thread_ids(search(reader, "zebracorn"))

    unhide_post(facilitator, thread.opening_post, "Reviewed again")
    index_now()
    results = search(reader, "zebracorn")
    assert _post_ids(results) == {thread.opening_post.id, reply.id}
    assert results.total == 1


def test_a_thread_held_for_review_stays_out_of_sight_until_approved(make_thread, make_member, member, facilitator,
                                                                    index_now):
    thread, reply = _hidden_thread(make_thread, make_member, member, facilitator, index_now)
    request_review(member, thread.opening_post)
    index_now()
    reader = make_member("rita")
    assert thread.opening_post.state == "held" and not can_view_thread(reader, thread)
    assert search(reader, "zebracorn").total == 0
    assert thread.id in _thread_ids(search(member, "zebracorn"))

    approve_post(facilitator, thread.opening_post)
    index_now()
    assert _post_ids(search(reader, "zebracorn")) == {thread.opening_post.id, reply.id}
