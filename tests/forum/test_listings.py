"""Listings: categories, latest, top, unanswered, per category and per tag, with pagination and staff-only rules."""
from datetime import timedelta

from community.database import utcnow
from community.forum import actions


def test_categories_page_shows_name_description_and_counts(client, make_category, make_thread):
    category = make_category("Show & Tell", description="Share what you built.", colour="#aa3355")
    make_thread(category=category)
    make_thread(category=category)
    page = client.get("/categories").get_data(as_text=True)
    assert "Show &amp; Tell" in page and "Share what you built." in page
    assert "<strong>2</strong> threads" in page


def test_category_colours_come_from_a_stylesheet_with_readable_text(client, make_category):
    light = make_category("Ideas", colour="#ffee88")
    dark = make_category("News", colour="#1a2b3c")
    response = client.get("/categories.css")
    css = response.get_data(as_text=True)
    assert response.mimetype == "text/css"
    assert f".cat-{light.id}{{--cat:#ffee88;--cat-text:#111111}}" in css
    assert f".cat-{dark.id}{{--cat:#1a2b3c;--cat-text:#ffffff}}" in css


def test_category_chip_text_reaches_aa_contrast_on_any_colour_an_admin_picks():
    from community.forum.display import contrast_ratio, readable_text_on

    # The demo's Show & Tell green gave 4.39:1 with near-black text; sweep the colour cube too.
    colours = ["#2e8a57"] + [f"#{r:02x}{g:02x}{b:02x}" for r in range(0, 256, 17) for g in range(0, 256, 17)
                             for b in range(0, 256, 17)]
    short = [c for c in colours if contrast_ratio(c, readable_text_on(c)) < 4.5]
    assert short == []


def test_member_sees_no_staff_only_category_anywhere(client, auth, member, make_category, make_thread, facilitator):
    hidden = make_category("Staff room", staff_only=True)
    thread = make_thread(author=facilitator, category=hidden, title="Launch plan for next quarter", tags=["launch"])
    auth.login("maria")
    for path in ("/", "/top?period=all", "/unanswered", "/categories", "/tag/launch", "/categories.css"):
        page = client.get(path).get_data(as_text=True)
        assert "Staff room" not in page and "Launch plan" not in page and f"cat-{hidden.id}" not in page, path
    assert client.get(f"/t/{thread.id}").status_code == 404
    assert client.get(f"/c/{hidden.slug}").status_code == 404
    assert client.get(f"/t/{thread.id}/p/1").status_code == 404


def test_staff_see_staff_only_category(client, auth, facilitator, make_category, make_thread):
    hidden = make_category("Staff room", staff_only=True)
    thread = make_thread(author=facilitator, category=hidden, title="Launch plan for next quarter")
    auth.login("fran")
    assert "Launch plan" in client.get("/").get_data(as_text=True)
    assert client.get(f"/t/{thread.id}").status_code == 200


def test_category_listing_shows_only_its_threads(client, make_category, make_thread):
    kettles, toasters = make_category("Kettles"), make_category("Toasters")
    make_thread(category=kettles, title="Descaling the kettle")
    make_thread(category=toasters, title="Bagel setting burns")
    page = client.get(f"/c/{kettles.slug}").get_data(as_text=True)
    assert "Descaling the kettle" in page and "Bagel setting burns" not in page


def test_tag_listing_shows_tagged_threads(client, make_thread):
    make_thread(title="Pairing the remote fails", tags=["bluetooth"])
    make_thread(title="Filter replacement cost", tags=["filters"])
    page = client.get("/tag/bluetooth").get_data(as_text=True)
    assert "Pairing the remote fails" in page and "Filter replacement cost" not in page
    assert client.get("/tag/nonexistent").status_code == 404


def test_unanswered_lists_threads_without_replies(client, make_thread, make_member):
    answered = make_thread(title="Answered question here")
    make_thread(title="Lonely question here")
    actions.create_post(make_member(), answered, "Hold the button for ten seconds to reset it.")
    page = client.get("/unanswered").get_data(as_text=True)
    assert "Lonely question here" in page and "Answered question here" not in page


def test_top_ranks_by_likes_and_replies_within_the_period(client, db, make_thread, make_member):
    quiet = make_thread(title="Quiet thread today")
    busy = make_thread(title="Busy thread today")
    old = make_thread(title="Old famous thread")
    for _ in range(3):
        actions.create_post(make_member(), busy, "Same problem with mine since the update.")
    for _ in range(5):
        actions.create_post(make_member(), old, "This one still helps people years later.")
    old.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    week = client.get("/top?period=week").get_data(as_text=True)
    assert week.index("Busy thread today") < week.index("Quiet thread today")
    assert "Old famous thread" not in week
    assert "Old famous thread" in client.get("/top?period=year").get_data(as_text=True)
    assert quiet.reply_count == 0


def test_latest_listing_paginates(client, app, make_category, make_thread):
    app.config["THREADS_PER_PAGE"] = 2
    category = make_category()
    for title in ("First thread title", "Second thread title", "Third thread title"):
        make_thread(category=category, title=title)
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Third thread title" in first and "First thread title" not in first
    assert "First thread title" in second and 'rel="prev"' in second
    assert 'rel="next"' in first


def test_read_only_category_lets_only_staff_start_threads(client, auth, member, facilitator, make_category):
    news = make_category("Announcements", read_only=True)
    make_category("Product Q&A")
    auth.login("maria")
    response = auth.post("/new", {"category": news.id, "title": "My own announcement", "body": "Hello all"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "My own announcement" in page and "you can&#39;t start threads elsewhere" in page
    assert "New thread" not in client.get(f"/c/{news.slug}").get_data(as_text=True)
    auth.logout()
    auth.login("fran")
    response = auth.post("/new", {"category": news.id, "title": "Version 2 is out", "body": "Details inside."})
    assert response.status_code == 302


def test_thread_row_labels_agree_with_their_counts(client, make_member, make_thread):
    """At phone width the label follows the number: '1 Reply', never '1 Replies'."""
    thread = make_thread(title="Descaling every month?")
    actions.create_post(make_member(), thread, "Every two months is plenty with soft water.")
    page = client.get("/").get_data(as_text=True)
    assert "<dt>Reply</dt><dd>1</dd>" in page and "<dt>Likes</dt><dd>0</dd>" in page
    actions.create_post(make_member(), thread, "Monthly here: the water is very hard.")
    assert "<dt>Replies</dt><dd>2</dd>" in client.get("/").get_data(as_text=True)
