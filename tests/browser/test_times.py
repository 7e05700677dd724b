"""In Chromium: times.js redraws the server's dates as "2 hours ago" or "in 1 hour", past and future alike."""
import pytest

from tests.browsing import sign_in, watch_csp
from tests.servers import prepare_database, running_server, server_env

SEED = """
from datetime import timedelta
from sqlalchemy import update
from community.auth.actions import register_member
from community.database import utcnow
from community.extensions import db
from community.forum.actions import create_category, create_thread
from community.forum.models import Post, Thread
from community.moderation.members import silence_member
from community.moderation.threads import set_close_timer
olga = register_member("olga", "olga@example.com", "password-olga-1", skip_strength_check=True)
fran = register_member("fran", "fran@example.com", "password-fran-1", role="facilitator", skip_strength_check=True)
loud = register_member("loud", "loud@example.com", "password-loud-1", skip_strength_check=True)
category = create_category("Product Q&A")
thread = create_thread(olga, category, "Kettle light keeps blinking", "Blue light blinks after descaling. Ideas?")
two_hours_ago = utcnow() - timedelta(hours=2)
db.session.execute(update(Post).where(Post.thread_id == thread.id).values(created_at=two_hours_ago))
db.session.execute(update(Thread).where(Thread.id == thread.id).values(created_at=two_hours_ago,
                                                                      last_posted_at=two_hours_ago))
db.session.commit()
set_close_timer(fran, thread, 1, "Answered; closing in an hour.")
silence_member(fran, loud, 1, "Three heated replies in ten minutes.")
"""


@pytest.fixture(scope="module")
def timed_site(tmp_path_factory):
    instance = tmp_path_factory.mktemp("timed-site")
    env = server_env(instance, DATABASE_URL=f"sqlite:///{instance / 'site.db'}", SEARCH_INDEX_DIR=instance / "index")
    prepare_database(env, SEED)
    with running_server(env) as base_url:
        yield base_url


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Berlin")
    yield watch_csp(context.new_page())
    context.close()


def test_past_and_future_times_read_relative_after_times_js(page, timed_site):
    page.goto(timed_site + "/t/1")
    posted = page.locator("#post-1 .post-permalink time")
    assert posted.inner_text() == "2 hours ago"
    assert posted.get_attribute("title").endswith(" UTC")  # the full date stays on hover
    assert page.locator(".thread-facts .flag", has_text="Closes").inner_text().lower() == "closes in 1 hour"
    page.goto(timed_site + "/")
    assert page.locator(".thread-row time").first.inner_text() == "2 hours ago"
    assert page.csp_errors == []


def test_silenced_member_reads_the_date_and_the_time_left(page, timed_site):
    sign_in(page, timed_site, "loud", "password-loud-1")
    page.goto(timed_site + "/t/1")
    notice = page.locator("#reply-heading").inner_text()
    assert "You can read but not post until " in notice and " UTC (in 1 hour)." in notice
    assert "just now" not in notice
    assert page.csp_errors == []


def test_times_added_to_the_page_later_are_drawn_at_once(page, timed_site):
    """Replies pushed live arrive with dates; they read as relative times without waiting a minute."""
    page.goto(timed_site + "/t/1")
    page.evaluate("""() => {
        const added = document.createElement("p");
        added.innerHTML = '<time datetime="' + new Date(Date.now() - 3 * 86400000).toISOString() +
            '" data-relative="">a date</time>';
        document.querySelector("[data-post-list]").appendChild(added);
    }""")
    page.wait_for_timeout(100)
    assert page.locator("[data-post-list] > p time").inner_text() == "3 days ago"
