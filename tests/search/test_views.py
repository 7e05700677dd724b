"""Search pages as people use them: the results page, JSON for integrations, CSV export for staff."""
import csv
import io

from community.search import related


def test_search_page_shows_grouped_results_with_highlights_and_facets(make_thread, make_category, client, index_now):
    billing = make_category("Billing")
    make_thread(category=billing, title="Annual billing", body="Let me pay for the year.", tags=["pricing"])
    index_now()

    page = client.get("/search?q=billing").get_data(as_text=True)

    assert "1 thread" in page
    assert "<mark>billing</mark>" in page
    assert "category:billing" in page and "tag:pricing" in page  # facet links narrow the search


def test_api_search_returns_json_threads(make_thread, client, index_now):
    thread = make_thread(title="Dark mode", body="Dark mode for the dashboard.", is_feature_request=True)
    index_now()

    data = client.get("/api/search?q=dashboard").get_json()

    assert data["total_threads"] == 1
    assert data["threads"][0]["id"] == thread.id
    assert data["threads"][0]["feature_request"] is True
    assert "<mark>dashboard</mark>" in data["threads"][0]["posts"][0]["snippet_html"]
    assert data["facets"]["category"][0]["count"] == 1


def test_api_search_says_when_it_fell_back_to_plain_words(make_thread, client, index_now):
    make_thread(title="Calendar export", body="Export to calendar.")
    index_now()
    data = client.get("/api/search", query_string={"q": "created:[now TO] calendar"}).get_json()
    assert data["notice"] and data["total_threads"] == 1


def test_staff_export_the_current_search_as_csv(make_thread, product_manager, auth, client, index_now):
    make_thread(title="=HYPERLINK(\"http://evil\") billing", body="Annual billing please.", tags=["pricing"],
                is_feature_request=True)
    index_now()
    auth.login("pat")

    response = client.get("/search/export.csv?q=billing")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["title", "link", "author", "date", "votes", "status", "category", "tags"]
    assert rows[0]["title"].startswith("'=")  # a formula stays text in a spreadsheet
    assert rows[0]["status"] == "open" and rows[0]["tags"] == "pricing" and "/t/" in rows[0]["link"]


def test_members_cannot_export_searches(member, auth, client):
    auth.login("maria")
    assert client.get("/search/export.csv?q=billing").status_code == 403


def test_search_page_without_a_query_shows_the_box(client):
    page = client.get("/search").get_data(as_text=True)
    assert 'role="search"' in page and "thread" not in page.split('role="search"')[1].split("</form>")[1]


def test_threads_with_only_some_words_are_listed_under_their_own_heading(make_thread, client, index_now):
    make_thread(title="Annual billing discount", body="Pay yearly instead of monthly.")
    make_thread(title="Monthly newsletter", body="A monthly email.")
    index_now()

    page = " ".join(client.get("/search?q=discount+monthly").get_data(as_text=True).split())

    assert "2 threads (2 posts) match." in page and "1 thread has all your words; 1 more below uses only some" in page
    assert "Threads with some of your words" in page
    assert page.index("Annual billing") < page.index("Threads with some of your words") < page.index("newsletter")


def test_the_count_agrees_with_the_threads_listed_when_none_has_every_word(make_thread, client, index_now):
    make_thread(title="Monthly newsletter", body="A monthly email.")
    make_thread(title="Discount codes", body="Where do discount codes go?")
    make_thread(title="Yearly plan", body="Is there one?")
    index_now()

    data = client.get("/api/search?q=discount+monthly").get_json()
    assert len(data["threads"]) == data["total_threads"] == 2
    assert data["all_words_threads"] == 0 and data["partial_threads"] == 2
    assert sum(c["count"] for c in data["facets"]["category"]) == 2  # the facets count the listed threads too

    page = " ".join(client.get("/search?q=discount+monthly").get_data(as_text=True).split())
    assert page.count('class="search-hit"') == 2
    assert "2 threads (2 posts) match." in page and "No thread has all your words; these 2 use some of them" in page


def test_only_the_askers_words_and_their_other_forms_are_highlighted(make_thread, client, app, index_now):
    make_thread(title="Discounted annual plan", body="A discounted plan, billed yearly.")
    make_thread(title="Coupon codes", body="Where does the coupon go at checkout?")
    index_now()
    related.save(app.config["SEARCH_INDEX_DIR"], {"discount": ["coupon"]})  # learned: the community says coupon

    data = client.get("/api/search?q=discount").get_json()

    assert {t["title_html"] for t in data["threads"]} == {"<mark>Discounted</mark> annual plan", "Coupon codes"}
    snippets = " ".join(p["snippet_html"] for t in data["threads"] for p in t["posts"])
    assert "A <mark>discounted</mark> plan" in snippets
    assert "Where does the coupon go" in snippets and "<mark>coupon" not in snippets.lower()
