"""A thread whose opening post is held for review is seen only by its author and moderators."""
from community.database import commit
from community.forum.models import Post


def hold_opening_post(db, thread):
    post = db.session.query(Post).filter_by(thread_id=thread.id, number=1).one()
    post.state = "held"
    commit()


def test_held_thread_is_hidden_from_listings_and_its_page_for_others(client, auth, db, make_thread, make_member):
    author = make_member("olga")
    thread = make_thread(author=author, title="Buy cheap watches here please")
    hold_opening_post(db, thread)
    make_member("bob")
    assert "Buy cheap watches" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/t/{thread.id}").status_code == 404
    auth.login("bob")
    assert "Buy cheap watches" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/t/{thread.id}").status_code == 404


def test_author_and_moderators_still_see_a_held_thread(client, auth, db, make_thread, make_member):
    author = make_member("olga")
    thread = make_thread(author=author, title="My first question about the kettle")
    hold_opening_post(db, thread)
    make_member("fran", role="facilitator")
    for username in ("olga", "fran"):
        auth.login(username)
        assert "My first question about the kettle" in client.get("/").get_data(as_text=True)
        assert client.get(f"/t/{thread.id}").status_code == 200
        auth.logout()
