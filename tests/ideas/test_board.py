"""The feature-request board, its CSV export and the similar-threads lookup used while composing."""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import update

from community.database import utcnow
from community.ideas import actions
from community.ideas.models import Vote
from community.search.indexer import apply_pending


@pytest.fixture
def board_data(db, make_thread, make_member, make_category, product_manager):
    """Three requests in two categories with different votes, ages and statuses, plus noise."""
    billing, app_cat = make_category("Billing"), make_category("Mobile app")
    old = make_thread(title="Annual billing option", category=billing, is_feature_request=True, tags="billing, plans")
    popular = make_thread(title="Dark mode for the app", category=app_cat, is_feature_request=True)
    fresh = make_thread(title="Widgets on the home screen", category=app_cat, is_feature_request=True)
    make_thread(title="How do I reset my password?", category=app_cat)  # not a request
    voters = [make_member() for _ in range(4)]
    for person in voters:
        actions.toggle_vote(person, popular)
    for person in voters[:3]:
        actions.toggle_vote(person, old)
    actions.toggle_vote(voters[3], fresh)
    actions.toggle_vote(product_manager, fresh)  # staff votes count, but not as customer voters
    # Dark mode's votes were cast a month ago and billing's mostly ten days ago; widgets' this week.
    month_ago, ten_days_ago = utcnow() - timedelta(days=30), utcnow() - timedelta(days=10)
    db.session.execute(update(Vote).where(Vote.thread_id == popular.id).values(created_at=month_ago))
    db.session.execute(update(Vote).where(Vote.thread_id == old.id, Vote.user_id != voters[0].id)
                       .values(created_at=ten_days_ago))
    db.session.commit()
    actions.set_request_status(product_manager, popular, "planned", "")
    return {"old": old, "popular": popular, "fresh": fresh, "billing": billing, "app": app_cat}


def order_of(page, titles):
    positions = {title: page.find(title) for title in titles}
    assert all(p >= 0 for p in positions.values()), positions
    return sorted(titles, key=positions.get)


TITLES = ["Annual billing option", "Dark mode for the app", "Widgets on the home screen"]


def test_board_lists_requests_with_votes_status_category_and_tags(client, board_data):
    page = client.get("/ideas").get_data(as_text=True)
    assert "How do I reset my password?" not in page
    assert order_of(page, TITLES) == ["Dark mode for the app", "Annual billing option", "Widgets on the home screen"]
    assert 'status-chip status-planned">Planned' in page and "#billing" in page and ">Mobile app<" in page
    assert '<span class="vote-number">5</span>' in page and '<span class="vote-number">4</span>' in page


def test_board_filters_by_status_and_category(client, board_data):
    planned = client.get("/ideas?status=planned").get_data(as_text=True)
    assert "Dark mode for the app" in planned and "Annual billing option" not in planned
    billing = client.get("/ideas?category=billing").get_data(as_text=True)
    assert "Annual billing option" in billing and "Dark mode for the app" not in billing


def test_board_sorts_by_newest(client, board_data):
    page = client.get("/ideas?sort=newest").get_data(as_text=True)
    assert order_of(page, TITLES) == ["Widgets on the home screen", "Dark mode for the app", "Annual billing option"]


def test_board_sorts_by_votes_this_week_for_trending(client, board_data):
    page = client.get("/ideas?sort=trending").get_data(as_text=True)
    assert order_of(page, TITLES) == ["Widgets on the home screen", "Annual billing option", "Dark mode for the app"]


def test_board_sorts_by_customer_voters_leaving_staff_votes_out(client, board_data):
    # Widgets has 3 votes but one is the product manager's: 2 customers, fewer than billing's 4.
    page = client.get("/ideas?sort=voters").get_data(as_text=True)
    assert order_of(page, TITLES) == ["Dark mode for the app", "Annual billing option", "Widgets on the home screen"]


def test_board_pages_through_many_requests(app, client, board_data):
    app.config["IDEAS_PER_PAGE"] = 2
    first = client.get("/ideas").get_data(as_text=True)
    second = client.get("/ideas?page=2").get_data(as_text=True)
    assert "Widgets on the home screen" not in first and "Widgets on the home screen" in second
    assert 'rel="next"' in first


def test_members_do_not_see_requests_in_staff_only_categories(client, auth, make_thread, make_category, member,
                                                             facilitator):
    make_thread(author=facilitator, title="Internal: rework pricing tiers",
                category=make_category("Staff room", staff_only=True), is_feature_request=True)
    auth.login("maria")
    assert "Internal: rework pricing tiers" not in client.get("/ideas").get_data(as_text=True)


def test_unknown_filters_fall_back_to_the_whole_board(client, board_data):
    page = client.get("/ideas?status=bogus&category=nowhere&sort=sideways").get_data(as_text=True)
    assert order_of(page, TITLES) == ["Dark mode for the app", "Annual billing option", "Widgets on the home screen"]


def read_csv(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_staff_export_the_filtered_board_as_csv(client, auth, board_data, facilitator):
    auth.login("fran")
    response = client.get("/ideas/export.csv?category=mobile-app&sort=newest")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["title", "link", "author", "date", "votes", "status", "category", "tags"]
    assert [r[0] for r in rows[1:]] == ["Widgets on the home screen", "Dark mode for the app"]
    dark = rows[2]
    assert dark[1].endswith(f"/t/{board_data['popular'].id}/dark-mode-for-the-app") and dark[1].startswith("http")
    assert dark[4:7] == ["5", "Planned", "Mobile app"]


def test_export_lists_tags_and_authors(client, auth, board_data, facilitator):
    auth.login("fran")
    rows = read_csv(client.get("/ideas/export.csv?category=billing"))
    assert rows[1][7] == "billing, plans" and rows[1][2] == board_data["old"].author.username


def test_export_defuses_spreadsheet_formulas(client, auth, make_thread, facilitator):
    for title in ("=HYPERLINK(\"http://evil.example\")", "+1 for cmd|' /C calc'!A0", "-2+3 more space",
                  "@SUM(A1:A9) please"):
        make_thread(title=title, is_feature_request=True)
    auth.login("fran")
    titles = {r[0] for r in read_csv(client.get("/ideas/export.csv"))[1:]}
    assert titles == {"'=HYPERLINK(\"http://evil.example\")", "'+1 for cmd|' /C calc'!A0", "'-2+3 more space",
                      "'@SUM(A1:A9) please"}


def test_member_cannot_export(client, auth, board_data, member):
    auth.login("maria")
    assert client.get("/ideas/export.csv").status_code == 403


def test_visitor_export_is_sent_to_sign_in(client, board_data):
    response = client.get("/ideas/export.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_composer_finds_similar_threads_by_title_when_the_index_is_empty(client, auth, make_thread, member):
    make_thread(title="Annual billing option", is_feature_request=True)
    make_thread(title="Kettle descaling schedule")
    auth.login("maria")
    data = client.get("/ideas/similar?title=Yearly+billing+please").get_json()
    assert data["source"] == "title"
    assert [t["title"] for t in data["threads"]] == ["Annual billing option"]
    assert data["threads"][0]["votes"] == 1 and data["threads"][0]["status"] == "Open"


def test_composer_finds_similar_threads_through_the_search_index(client, auth, make_thread, member):
    make_thread(title="Pay once a year", body="I would like an annual subscription billed once every year.",
                is_feature_request=True)
    make_thread(title="Kettle descaling schedule", body="How often should the kettle be descaled?")
    apply_pending()
    auth.login("maria")
    data = client.get("/ideas/similar?title=Annual+subscription&body=billed+every+year").get_json()
    assert data["source"] == "search"
    assert [t["title"] for t in data["threads"]] == ["Pay once a year"]


def test_composer_never_suggests_threads_the_member_cannot_see(client, auth, make_thread, make_category, member,
                                                              facilitator):
    make_thread(author=facilitator, title="Annual billing internal plan",
                category=make_category("Staff", staff_only=True))
    auth.login("maria")
    assert client.get("/ideas/similar?title=annual+billing").get_json()["threads"] == []


def test_visitor_similar_lookup_is_sent_to_sign_in(client):
    response = client.get("/ideas/similar?title=annual+billing")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
