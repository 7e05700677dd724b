"""The thread page: posts, staff badges, replies, quotes, likes, follows, views, held and deleted posts."""
import re

from community.forum import actions
from community.forum.models import Post, ThreadFollow

REPLY = "Holding the power button for ten seconds fixed it for me."


def posts_of(db, thread):
    return db.session.query(Post).filter_by(thread_id=thread.id).order_by(Post.number).all()


def test_staff_posts_carry_a_role_badge(client, make_thread, facilitator):
    thread = make_thread(title="Why did my order ship late?")
    actions.create_post(facilitator, thread, "Sorry about that — the warehouse was closed for a day.")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert '<span class="badge staff" title="Speaking for the brand">Facilitator</span>' in page
    assert page.count('class="badge staff"') == 1


def test_member_replies_to_a_post_and_the_reply_says_so(client, auth, db, member, make_thread):
    thread = make_thread(title="Which filter fits the X200?")
    opening = posts_of(db, thread)[0]
    auth.login("maria")
    response = auth.post(f"/t/{thread.id}/reply", {"body": REPLY, "reply_to": str(opening.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith("#post-2")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert REPLY in page and f"in reply to {thread.author.name}" in page


def test_quote_link_prefills_the_composer_without_javascript(client, auth, db, member, make_thread):
    thread = make_thread(title="Night mode on the app", body="Please add a **dark** theme.")
    opening = posts_of(db, thread)[0]
    auth.login("maria")
    page = client.get(f"/t/{thread.id}/reply?quote={opening.id}").get_data(as_text=True)
    assert f"&gt; **@{thread.author.username}** wrote:" in page
    assert "&gt; Please add a **dark** theme." in page
    assert f'name="reply_to" type="hidden" value="{opening.id}"' in page
    data = client.get(f"/p/{opening.id}/quote", headers={"Accept": "application/json"}).get_json()
    assert data["markdown"].startswith(f"> **@{thread.author.username}** wrote:")


def test_failed_reply_keeps_the_typed_text(client, auth, app, member, make_thread):
    thread = make_thread()
    auth.login("maria")
    long_text = "My careful words. " * 1200
    response = auth.post(f"/t/{thread.id}/reply", {"body": long_text})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "My careful words." in page and 'role="alert"' in page


def test_locked_thread_refuses_replies_with_a_clear_message(client, auth, db, member, make_thread):
    thread = make_thread(title="Old firmware discussion")
    thread.locked = True
    db.session.commit()
    auth.login("maria")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "This thread is locked." in page and 'action="/t/%d/reply#reply"' % thread.id not in page
    response = auth.post(f"/t/{thread.id}/reply", {"body": REPLY})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "no longer takes replies" in page and REPLY in page
    assert len(posts_of(db, thread)) == 1


def test_author_edits_post_and_title_and_revisions_are_kept(client, auth, db, member, make_thread):
    thread = make_thread(author=member, title="Kettle is loud", body="It whistles at night.")
    opening = posts_of(db, thread)[0]
    auth.login("maria")
    response = auth.post(f"/p/{opening.id}/edit", {"title": "Kettle is very loud", "body": "It whistles all night."})
    assert response.status_code == 302
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Kettle is very loud" in page and "It whistles all night." in page
    history = client.get(f"/p/{opening.id}/revisions").get_data(as_text=True)
    assert "It whistles at night." in history and "Kettle is loud" in history


def test_member_cannot_edit_someone_elses_post(client, auth, db, member, make_thread):
    thread = make_thread(body="The original words.")
    opening = posts_of(db, thread)[0]
    auth.login("maria")
    assert client.get(f"/p/{opening.id}/edit").status_code == 403
    response = auth.post(f"/p/{opening.id}/edit", {"body": "Hijacked words."})
    assert response.status_code == 403
    db.session.refresh(opening)
    assert opening.body_source == "The original words."
    assert f"/p/{opening.id}/edit" not in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_revisions_are_for_the_author_and_staff_only(client, auth, db, member, make_member, make_thread, product_manager):
    thread = make_thread(author=member, body="First draft of my idea.")
    opening = posts_of(db, thread)[0]
    actions.edit_post(member, opening, "Second draft of my idea.")
    make_member("otto")
    auth.login("otto")
    assert client.get(f"/p/{opening.id}/revisions").status_code == 403
    auth.logout()
    auth.login("pat")
    assert "First draft of my idea." in client.get(f"/p/{opening.id}/revisions").get_data(as_text=True)


def test_moderator_deletes_and_restores_a_reply_members_see_no_tombstone(client, auth, db, facilitator, member,
                                                                         make_thread, make_member):
    thread = make_thread()
    rude = actions.create_post(make_member("rudy"), thread, "Something unkind about the staff.")
    auth.login("fran")
    response = auth.post(f"/p/{rude.id}/delete", {"reason": "Personal attack"})
    assert response.status_code == 302
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Only moderators see this post." in page and f"/p/{rude.id}/restore" in page
    auth.logout()
    auth.login("maria")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Something unkind" not in page and "Deleted" not in page
    auth.logout()
    auth.login("fran")
    assert auth.post(f"/p/{rude.id}/restore").status_code == 302
    auth.logout()
    assert "Something unkind about the staff." in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_member_cannot_restore_a_deleted_post(client, auth, db, member, make_thread):
    thread = make_thread(author=member)
    reply = actions.create_post(member, thread, REPLY)
    actions.delete_post(member, reply)
    auth.login("maria")
    assert auth.post(f"/p/{reply.id}/restore").status_code == 404
    db.session.refresh(reply)
    assert reply.deleted_at is not None


def test_held_post_is_shown_to_its_author_as_awaiting_review(client, auth, db, member, make_member, make_thread):
    thread = make_thread()
    post = actions.create_post(member, thread, "Check out my shop for cheap parts.")
    post.state, post.state_reason = "held", "links to shops are reviewed"
    actions.refresh_thread_counters(thread)
    db.session.commit()
    auth.login("maria")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Awaiting review." in page and "links to shops are reviewed" in page
    auth.logout()
    make_member("otto")
    auth.login("otto")
    assert "cheap parts" not in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_like_toggles_with_the_form_and_with_fetch(client, auth, db, member, make_thread):
    thread = make_thread()
    opening = posts_of(db, thread)[0]
    auth.login("maria")
    assert auth.post(f"/p/{opening.id}/like").status_code == 302
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    data = client.post(f"/p/{opening.id}/like", headers={"X-CSRFToken": token, "Accept": "application/json"}).get_json()
    assert data == {"liked": False, "count": 0}


def test_like_without_csrf_token_is_refused(client, auth, db, member, make_thread):
    thread = make_thread()
    opening = posts_of(db, thread)[0]
    auth.login("maria")
    assert client.post(f"/p/{opening.id}/like", headers={"Accept": "application/json"}).status_code == 400
    db.session.refresh(opening)
    assert opening.like_count == 0


def test_member_follows_and_unfollows_a_thread(client, auth, db, member, make_thread):
    thread = make_thread()
    auth.login("maria")
    auth.post(f"/t/{thread.id}/follow", {"follow": "1"})
    assert db.session.get(ThreadFollow, (thread.id, member.id)) is not None
    assert "Following ✓" in client.get(f"/t/{thread.id}").get_data(as_text=True)
    auth.post(f"/t/{thread.id}/follow", {"follow": "0"})
    assert db.session.get(ThreadFollow, (thread.id, member.id)) is None


def test_each_visit_counts_a_view(client, db, make_thread):
    thread = make_thread()
    client.get(f"/t/{thread.id}")
    client.get(f"/t/{thread.id}")
    db.session.refresh(thread)
    assert thread.view_count == 2


def test_thread_pages_by_post_and_post_links_find_the_right_page(client, app, db, make_thread, make_member):
    app.config["POSTS_PER_PAGE"] = 3
    thread = make_thread()
    writer = make_member()
    for i in range(6):
        actions.create_post(writer, thread, f"Reply number {i} with enough words to pass.")
    first = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert 'id="post-3"' in first and 'id="post-4"' not in first and 'rel="next"' in first
    response = client.get(f"/t/{thread.id}/p/5")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/t/{thread.id}/{thread.slug}?page=2#post-5")
    assert 'id="post-7"' in client.get(f"/t/{thread.id}?page=3").get_data(as_text=True)
    assert client.get(f"/t/{thread.id}?page=9").headers["Location"].endswith("?page=3")


def test_author_deletes_their_thread_and_members_can_no_longer_open_it(client, auth, db, member, make_thread,
                                                                       facilitator):
    thread = make_thread(author=member, title="Never mind, found it")
    opening = posts_of(db, thread)[0]
    auth.login("maria")
    response = auth.post(f"/p/{opening.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/c/{thread.category.slug}")
    assert client.get(f"/t/{thread.id}").status_code == 404
    assert "Never mind, found it" not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("fran")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Never mind, found it" in page and f"/p/{opening.id}/restore" in page


def test_hidden_posts_cannot_be_quoted_by_others(client, auth, db, member, make_member, make_thread):
    thread = make_thread()
    post = actions.create_post(make_member("hugo"), thread, "Something that was hidden by staff.")
    post.state, post.state_reason = "hidden", "off-topic"
    db.session.commit()
    auth.login("maria")
    assert client.get(f"/p/{post.id}/quote").status_code == 404
    page = client.get(f"/t/{thread.id}/reply?quote={post.id}").get_data(as_text=True)
    assert "hidden by staff" not in page


def test_edited_time_is_a_time_element_that_never_reads_just_now(client, auth, db, member, make_thread):
    thread = make_thread(author=member, title="Filter size for the X200")
    opening = posts_of(db, thread)[0]
    actions.edit_post(member, opening, "The X200 takes the 60 mm filter.")
    auth.login("maria")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert re.search(r'edited <time datetime="%s" title="[^"]+ UTC" data-relative="">'
                     % opening.edited_at.strftime("%Y-%m-%dT%H:%M:%SZ"), page)
    assert "just now" not in page
