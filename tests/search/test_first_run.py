"""A first run: the demo is searchable on the first request, and a search the index cannot fully answer yet says so."""
import re
from datetime import timedelta

from sqlalchemy import select, update

from community.database import utcnow
from community.forum.actions import edit_post
from community.forum.models import Category, Post, Thread
from community.search.models import OutboxEntry


def _age_outbox(db, seconds):
    """Make every waiting change look as if the indexer had left it waiting this long."""
    db.session.execute(update(OutboxEntry).values(created_at=utcnow() - timedelta(seconds=seconds)))
    db.session.commit()


def test_a_freshly_loaded_demo_is_searchable_on_the_first_request(runner, db, client):
    result = runner.invoke(args=["demo", "load", "--threads", "6"])
    assert result.exit_code == 0, result.output

    thread = db.session.scalars(
        select(Thread).join(Category).join(Post, (Post.thread_id == Thread.id) & (Post.number == 1))
        .where(~Category.staff_only, Post.state == "published").order_by(Thread.id)).first()
    words = " ".join(re.findall(r"\w+", thread.title))
    page = client.get("/search", query_string={"q": words}).get_data(as_text=True)  # the app's first request

    assert f'href="/t/{thread.id}"' in page
    assert "could not be run" not in page and "Indexing:" not in page
    assert "Indexing posts" in result.output  # the load showed its progress


def test_searching_before_the_index_is_built_answers_with_how_far_indexing_has_got(make_thread, client):
    make_thread(title="Annual billing", body="Let me pay for the year.")
    make_thread(title="Billing address", body="Where do I change it?")
    # Both posts wait in the outbox; no indexer has run, so the index holds no documents at all.

    response = client.get("/search?q=billing")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "could not be run" not in page
    assert "Indexing: 0 of 2 posts" in page and "Nothing matches in the posts searchable so far" in page

    data = client.get("/api/search?q=billing").get_json()
    assert data["notice"] is None and data["total_threads"] == 0
    assert data["indexing"]["searchable_posts"] == 0 and data["indexing"]["database_posts"] == 2
    assert "Indexing: 0 of 2 posts" in client.get("/search").get_data(as_text=True)  # before anything is typed


def test_a_search_index_that_falls_behind_says_so_until_it_catches_up(make_thread, member, db, client, index_now):
    first = make_thread(author=member, title="Kettle schedule", body="Boil at seven.")
    index_now()
    assert "Indexing" not in client.get("/search?q=kettle").get_data(as_text=True)

    make_thread(title="Kettle descaling", body="Vinegar works.")
    assert "Indexing" not in client.get("/search?q=kettle").get_data(as_text=True)  # a moment behind: normal
    _age_outbox(db, 10)
    assert "Indexing: 1 of 2 posts" in client.get("/search?q=kettle").get_data(as_text=True)

    index_now()
    page = client.get("/search?q=kettle").get_data(as_text=True)
    assert "Indexing" not in page and "2 threads" in page

    edit_post(member, db.session.scalar(select(Post).where(Post.thread_id == first.id)), "Boil at eight.")
    _age_outbox(db, 10)
    assert "the latest changes to posts are not searchable yet" in client.get("/search?q=kettle").get_data(as_text=True)


def test_loading_the_demo_into_a_community_whose_index_was_never_built_builds_it(make_thread, runner, client):
    thread = make_thread(title="Grinder noise", body="It squeaks.")

    result = runner.invoke(args=["demo", "load", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert f'href="/t/{thread.id}"' in client.get("/search?q=grinder").get_data(as_text=True)
    assert "not loaded" in result.output and "never built" in result.output
