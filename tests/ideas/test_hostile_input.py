"""Attack strings from the shared corpora against the feature-request lookups and the public status note."""
import pytest
from sqlalchemy import func, select

from community.forum.models import Thread
from community.ideas import queries
from tests.conftest import SHARED

SECURITY = SHARED / "data" / "security"
NOTE_START, NOTE_END = '<blockquote class="status-note"><p>', "</p></blockquote>"


def lines(path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        return [line.rstrip("\n") for line in handle if line.strip()]


@pytest.fixture
def requests_present(make_thread):
    make_thread(title="Annual billing option", is_feature_request=True)
    make_thread(title="Select all messages at once", is_feature_request=True)


def test_sql_injection_strings_in_a_draft_only_find_threads(db, member, requests_present):
    payloads = lines(SECURITY / "sqli" / "combined" / "sqli-payloads-unique.txt")
    assert len(payloads) > 1000
    for payload in payloads:
        found = queries.similar_by_title(member, payload, payload)
        assert all(isinstance(t, Thread) for t in found)
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 2


def test_sql_injection_strings_in_board_filters_show_the_whole_board(client, requests_present):
    for payload in lines(SECURITY / "sqli" / "combined" / "sqli-payloads-unique.txt")[:150]:
        response = client.get("/ideas", query_string={"status": payload, "category": payload, "sort": payload})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Annual billing option" in page and "Select all messages at once" in page


def note_text(html):
    return html[html.index(NOTE_START) + len(NOTE_START):html.index(NOTE_END)]


def test_status_notes_are_shown_as_text_whatever_they_contain(app, make_thread):
    thread = make_thread(title="Annual billing option", is_feature_request=True)
    payloads = lines(SECURITY / "xss" / "combined" / "xss-payloads-unique.txt")
    assert len(payloads) > 8000
    macro = app.jinja_env.get_template("ideas/_macros.html").module.status_note
    for payload in payloads:
        thread.request_status_note = payload
        note = note_text(str(macro(thread)))
        assert "<" not in note and ">" not in note, payload


def test_the_thread_panel_shows_hostile_notes_escaped(app, db, make_thread):
    thread = make_thread(title="Annual billing option", is_feature_request=True)
    template = app.jinja_env.from_string('{% include "ideas/_thread_panel.html" %}')
    with app.test_request_context(f"/t/{thread.id}"):
        for payload in lines(SECURITY / "xss" / "combined" / "xss-payloads-unique.txt")[::100]:
            thread.request_status_note = payload
            context = {"thread": thread}
            app.update_template_context(context)
            note = note_text(template.render(context))
            assert "<" not in note and ">" not in note, payload
    db.session.rollback()
