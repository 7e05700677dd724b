"""The thread page and the latest listing cost the same number of SQL queries whatever their size (no N+1)."""
from datetime import timedelta

from community.database import utcnow
from community.forum import actions
from community.forum.models import Post, PostLike, Tag, Thread
from tests.querycount import counted_queries

QUERY_BUDGET = 16


def _fill_thread(db, thread, authors, replies):
    """Add replies straight to the table: several authors, replies to earlier posts, some likes."""
    now = utcnow()
    posts = []
    for i in range(replies):
        author = authors[i % len(authors)]
        post = Post(thread_id=thread.id, author_id=author.id, number=i + 2, body_source=f"reply {i}",
                    body_html=f"<p>reply {i}</p>", by_staff=author.role != "member",
                    reply_to_id=posts[-2].id if len(posts) >= 2 else None,
                    created_at=now + timedelta(seconds=i))
        db.session.add(post)
        db.session.flush()
        posts.append(post)
    for post in posts[::3]:
        db.session.add(PostLike(post_id=post.id, user_id=authors[0].id if post.author_id != authors[0].id
                                else authors[1].id))
    actions.refresh_thread_counters(thread)
    db.session.commit()


def _thread_page_queries(db, client, thread_id, rendered=True):
    db.session.remove()  # start like a production request: nothing already loaded in the session
    if rendered:
        client.application.extensions["fragment_cache"].clear()  # what rendering costs, not a stored page
    with counted_queries(db) as statements:
        response = client.get(f"/t/{thread_id}")
    assert response.status_code == 200
    return statements


def test_thread_page_costs_the_same_queries_for_5_or_60_posts(db, client, auth, make_member, make_category,
                                                              make_thread, member):
    authors = [make_member(f"writer{i}") for i in range(5)] + [make_member("staffer", role="facilitator")]
    category = make_category("Product Q&A")
    small = make_thread(author=authors[0], category=category, title="A short thread")
    large = make_thread(author=authors[1], category=category, title="A long thread")
    _fill_thread(db, small, authors, 4)
    _fill_thread(db, large, authors, 59)
    small, large = small.id, large.id
    auth.login("maria")

    client.get(f"/t/{small}")  # warm up per-process caches (templates, mappers)
    small_queries = _thread_page_queries(db, client, small)
    large_queries = _thread_page_queries(db, client, large)

    assert len(small_queries) == len(large_queries), "\n".join(large_queries)
    assert len(large_queries) <= QUERY_BUDGET
    # Seen again, the member's page comes from its stored skeleton: two reads, whatever its size (the view
    # tally may be written in the same moment).
    stored = _thread_page_queries(db, client, large, rendered=False)
    assert len([s for s in stored if not s.startswith("UPDATE threads SET view_count")]) == 2, stored
    page = client.get(f"/t/{large}?page=3").get_data(as_text=True)
    assert 'id="post-60"' in page

    auth.logout()
    anonymous_small = _thread_page_queries(db, client, small)
    anonymous_large = _thread_page_queries(db, client, large)
    assert len(anonymous_small) == len(anonymous_large) <= len(large_queries)


def _add_threads(db, authors, categories, tags, start, count):
    """Threads with an opening post and a reply, written straight to the tables."""
    now = utcnow()
    for i in range(start, start + count):
        author, replier = authors[i % len(authors)], authors[(i + 1) % len(authors)]
        thread = Thread(category_id=categories[i % len(categories)].id, author_id=author.id, title=f"Topic {i}",
                        slug=f"topic-{i}", last_posted_at=now - timedelta(minutes=i), last_poster_id=replier.id,
                        reply_count=1, tags=[tags[i % (len(tags) - 1)], tags[-1]])
        db.session.add(thread)
        db.session.flush()
        db.session.add_all([
            Post(thread_id=thread.id, author_id=author.id, number=1, body_source="Hi", body_html="<p>Hi</p>"),
            Post(thread_id=thread.id, author_id=replier.id, number=2, body_source="Yo", body_html="<p>Yo</p>"),
        ])
    db.session.commit()


def test_latest_listing_costs_the_same_queries_for_5_or_60_threads(app, db, client, make_member, make_category):
    authors = [make_member(f"poster{i}") for i in range(4)]
    categories = [make_category(f"Place {i}") for i in range(3)]
    tags = [Tag(name=f"tag{i}") for i in range(6)]
    _add_threads(db, authors, categories, tags, 0, 5)
    client.get("/")
    db.session.remove()
    app.extensions["fragment_cache"].clear()  # measure a rendering, not a stored visitor page
    with counted_queries(db) as few:
        assert client.get("/").status_code == 200
    _add_threads(db, authors, categories, tags, 5, 55)
    db.session.remove()
    with counted_queries(db) as many:
        page = client.get("/").get_data(as_text=True)

    assert len(few) == len(many), "\n".join(many)
    assert len(many) <= QUERY_BUDGET
    assert page.count('class="thread-row') == 30
