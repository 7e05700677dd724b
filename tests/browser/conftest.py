"""A demo community served for the browser tests, and browser contexts signed in as each role."""
import json
from pathlib import Path

import pytest

from tests.browsing import sign_in
from tests.servers import prepare_database, running_server, server_env

DEMO_PASSWORD = "password"
ROLE_USERS = {"member": "maria_k", "facilitator": "fran", "product manager": "pat", "admin": "ada"}

# The demo as `make run` loads it (smaller), then what the pages under test need and the demo lacks:
# two threads long enough that the composer sits far below the first post (one with a reply the member
# liked), a member note and a held reply.
SEED = """
import json, os
from pathlib import Path
from community.demo.load import load_demo
from community.forum.actions import create_post, create_thread, toggle_like
from community.forum.models import Category, Thread
from community.extensions import db
from community.hosting.actions import add_member_note
from sqlalchemy import select

users = load_demo(threads=24, echo=lambda *args, **kwargs: None)
category = db.session.scalar(select(Category).where(Category.slug == "product-qa"))
voices = ["dev_dan", "brewing_bea", "tomasz", "lena_h", "yuki", "ravi_energy"]
paragraphs = [
    "I descale every four weeks with citric acid, one sachet to a litre, and let it stand for twenty minutes.",
    "The blue light only settles after a full boil with fresh water; rinse twice or the first cup tastes sour.",
    "Hard water here, so I keep a jug filter in front of it. The scale builds far more slowly since then.",
]
long_threads = []
for title in ("How often do you descale the Lumo Kettle?", "Kettle descaling reminder comes back every day"):
    thread = create_thread(users["maria_k"], category, title, " ".join(paragraphs))
    for n in range(19):
        author = users[voices[n % len(voices)]]
        body = "\\n\\n".join(paragraphs[(n + k) % 3] + f" (note {n}.{k})" for k in range(3))
        reply = create_post(author, thread, body)
        if n == 0:
            toggle_like(users["maria_k"], reply)
    long_threads.append(thread.id)
add_member_note(users["fran"], users["maria_k"], "Night-shift nurse; posts late. Prefers a DM over a public nudge.")
create_post(users["lucy_in_leeds"], db.session.get(Thread, long_threads[0]), "+1", override=True)
Path(os.environ["INSTANCE_PATH"], "seeded.json").write_text(json.dumps({
    "long_threads": long_threads,
    "maria_id": users["maria_k"].id,
}))
"""


class DemoSite:
    """The running demo: its base URL, the ids the seed wrote down, and signed-in browser states per user."""

    def __init__(self, base_url, seeded):
        self.base_url = base_url
        self.long_threads = seeded["long_threads"]
        self.maria_id = seeded["maria_id"]
        self.storage_states = {}

    def url(self, path):
        return self.base_url + path


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    instance = tmp_path_factory.mktemp("browser-demo")
    env = server_env(instance, DATABASE_URL=f"sqlite:///{instance / 'site.db'}", SEARCH_INDEX_DIR=instance / "index")
    prepare_database(env, SEED)
    seeded = json.loads(Path(instance, "seeded.json").read_text())
    with running_server(env) as base_url:
        yield DemoSite(base_url, seeded)


@pytest.fixture
def new_context(browser, demo_site):
    """new_context(username or None, **options): a browser context, signed in as username when given.

    Each user signs in through the login form once per session; later contexts reuse the cookies, which keeps
    the tests under the login form's rate limit."""
    contexts = []

    def make(username=None, **options):
        if username is not None and username not in demo_site.storage_states:
            context = browser.new_context()
            page = context.new_page()
            sign_in(page, demo_site.base_url, username, DEMO_PASSWORD)
            assert page.locator("body[data-user-id]").count() == 1, f"{username} could not sign in"
            demo_site.storage_states[username] = context.storage_state()
            context.close()
        if username is not None:
            options["storage_state"] = demo_site.storage_states[username]
        context = browser.new_context(**options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
