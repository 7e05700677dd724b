"""Forum pages as members and visitors see them."""
from community.forum.models import Thread


def test_visitor_sees_latest_threads(client, make_thread):
    make_thread(title="Does the kettle descale itself?")
    page = client.get("/").get_data(as_text=True)
    assert "Does the kettle descale itself?" in page


def test_member_starts_a_thread_and_reads_it(client, auth, member, make_category, db):
    category = make_category("Product Q&A")
    auth.login("maria")
    response = auth.post("/new", {"category": category.id, "title": "How do I pair the remote?",
                                  "body": "I tried **everything**.", "tags": "remote, pairing"})
    assert response.status_code == 302
    thread = db.session.query(Thread).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>everything</strong>" in page and thread.tag_names == ["pairing", "remote"]


def test_failed_post_keeps_the_authors_text(client, auth, member, make_category):
    category = make_category()
    auth.login("maria")
    response = auth.post("/new", {"category": category.id, "title": "Hey", "body": "My long careful text"})
    assert response.status_code == 400
    assert "My long careful text" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client, auth, member, make_category):
    category = make_category()
    auth.login("maria")
    response = client.post("/new", data={"category": category.id, "title": "A fine title", "body": "text"})
    assert response.status_code == 400
