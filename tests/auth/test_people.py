"""Profiles, the member directory, roles and the `flask users` commands."""
import pytest
from sqlalchemy import select

from community.auth import actions
from community.auth.models import User
from community.errors import Invalid, NotAllowed
from community.forum.actions import create_post, delete_post
from community.moderation.models import AuditEntry


def _profile_form(**fields):
    data = {"display_name": "", "location": "", "bio": "", "interests": ""}
    data.update(fields)
    return data


def test_member_edits_profile_and_bio_markdown_is_rendered_safely(client, auth, member):
    auth.login("maria")
    response = auth.post("/u/maria/edit", _profile_form(
        display_name="Maria K", location="Lisbon", bio="I **love** espresso <script>alert(1)</script>",
        interests="Espresso, home brewing, espresso"))
    assert response.status_code == 302
    page = client.get("/u/maria").get_data(as_text=True)
    assert "Maria K" in page and "Lisbon" in page
    assert "<strong>love</strong>" in page
    assert "<script>alert(1)" not in page
    assert member.interest_names == ["espresso", "home brewing"]


def test_profile_form_keeps_what_was_typed_when_it_is_refused(client, auth, member):
    auth.login("maria")
    response = auth.post("/u/maria/edit", _profile_form(bio="x" * 2001, display_name="Keep me"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Keep your bio under 2000 characters" in page
    assert 'value="Keep me"' in page


def test_too_many_interests_are_refused(member):
    with pytest.raises(Invalid, match="at most 12"):
        actions.update_profile(member, member, interests=", ".join(f"topic {i}" for i in range(13)))


def test_member_cannot_edit_someone_elses_profile(client, auth, member, make_member):
    make_member("olga")
    auth.login("maria")
    assert client.get("/u/olga/edit").status_code == 403
    assert auth.post("/u/olga/edit", _profile_form(display_name="Hacked")).status_code == 403
    with pytest.raises(NotAllowed):
        actions.update_profile(member, actions.find_member("olga"), display_name="Hacked")
    assert actions.find_member("olga").display_name == ""


def test_admin_can_edit_a_members_profile(client, auth, admin, member):
    auth.login("ada")
    assert auth.post("/u/maria/edit", _profile_form(display_name="Tidied name")).status_code == 302
    assert actions.find_member("maria").display_name == "Tidied name"


def test_bio_mentions_link_to_real_members(app, member, make_member):
    make_member("olga")
    with app.test_request_context():
        actions.update_profile(member, member, bio="Friends with @olga and @nobody_here")
    assert '<a href="/u/olga"' in member.bio_html
    assert "/u/nobody_here" not in member.bio_html


def test_profile_shows_staff_badge_for_staff_only(client, facilitator, member):
    assert 'class="badge staff"' in client.get("/u/fran").get_data(as_text=True)
    assert "Facilitator" in client.get("/u/fran").get_data(as_text=True)
    assert 'class="badge staff"' not in client.get("/u/maria").get_data(as_text=True)


def test_unknown_profile_is_404(client):
    assert client.get("/u/nobody").status_code == 404


def test_profile_lists_recent_threads_and_replies_but_hides_staff_only_and_deleted(
        client, auth, member, make_category, make_thread, facilitator):
    public = make_category("Product Q&A")
    staff = make_category("Staff room", staff_only=True)
    make_thread(author=facilitator, category=public, title="Shipping dates for spring")
    make_thread(author=facilitator, category=staff, title="Secret roadmap talk")
    thread = make_thread(author=member, category=public, title="Where is my order")
    create_post(facilitator, thread, "We are looking into your order right now.")
    removed = create_post(facilitator, thread, "This reply was posted by mistake.")
    delete_post(facilitator, removed)

    page = client.get("/u/fran").get_data(as_text=True)
    assert "Shipping dates for spring" in page
    assert "We are looking into your order right now." in page
    assert "Secret roadmap talk" not in page
    assert "posted by mistake" not in page
    # Staff see the staff-only thread on the profile.
    auth.login("fran")
    assert "Secret roadmap talk" in client.get("/u/fran").get_data(as_text=True)


def test_directory_lists_members_filtered_by_interest_with_chips(client, make_member):
    a = make_member("anna")
    b = make_member("bruno")
    make_member("carla")
    actions.update_profile(a, a, interests="espresso, travel")
    actions.update_profile(b, b, interests="espresso")
    page = client.get("/members").get_data(as_text=True)
    assert "anna" in page and "bruno" in page and "carla" in page
    assert 'href="/members?interest=espresso"' in page  # the chip
    filtered = client.get("/members?interest=Espresso").get_data(as_text=True)
    assert "@anna" in filtered and "@bruno" in filtered and "@carla" not in filtered
    travel = client.get("/members?interest=travel").get_data(as_text=True)
    assert "@anna" in travel and "@bruno" not in travel


def test_directory_searches_names_literally(client, make_member):
    make_member("anna_b", display_name="Anna Bell")
    make_member("annabel")
    make_member("zed")
    page = client.get("/members?q=anna_").get_data(as_text=True)
    assert "@anna_b" in page and "@annabel" not in page  # "_" is a character, not a wildcard
    percent = client.get("/members?q=%25").get_data(as_text=True)
    assert "@zed" not in percent and "No members match" in percent  # "%" matches only a literal "%"


def test_directory_is_paginated(app, client, make_member):
    app.config["MEMBERS_PER_PAGE"] = 3
    for i in range(7):
        make_member(f"person{i}")
    first = client.get("/members").get_data(as_text=True)
    assert "@person0" in first and "@person3" not in first
    assert "Page 1 of 3" in first
    third = client.get("/members?page=3").get_data(as_text=True)
    assert "@person6" in third and "@person0" not in third


def test_directory_hides_suspended_members(client, make_member):
    from community.database import utcnow
    make_member("gone", suspended_at=utcnow())
    make_member("here")
    page = client.get("/members").get_data(as_text=True)
    assert "@here" in page and "@gone" not in page


def test_admin_changes_role_and_the_audit_log_records_it(client, auth, admin, member, db):
    auth.login("ada")
    response = auth.post("/u/maria/role", {"role": "facilitator", "reason": "Joined the support team"})
    assert response.status_code == 302
    assert actions.find_member("maria").role == "facilitator"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "change_role"))
    assert entry.actor_id == admin.id and entry.subject_user_id == member.id
    assert entry.before == {"role": "member"} and entry.after == {"role": "facilitator"}
    assert entry.reason == "Joined the support team"


@pytest.mark.parametrize("who", ["maria", "fran"])
def test_non_admins_cannot_change_roles(client, auth, member, facilitator, who):
    auth.login(who)
    assert client.get("/u/maria/role").status_code == 403
    assert auth.post("/u/maria/role", {"role": "admin"}).status_code == 403
    assert actions.find_member("maria").role == "member"


def test_role_page_sends_anonymous_visitors_to_sign_in(client, member):
    response = client.get("/u/maria/role")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_last_admin_cannot_be_demoted(admin):
    with pytest.raises(Invalid, match="at least one admin"):
        actions.change_role(admin, admin, "member")


def test_cli_create_admin_makes_an_admin_who_can_sign_in(runner, db):
    result = runner.invoke(args=["users", "create-admin", "boss", "boss@example.com",
                                 "--password", "a sturdy long phrase"])
    assert result.exit_code == 0, result.output
    user = actions.authenticate("boss", "a sturdy long phrase")
    assert user is not None and user.role == "admin"


def test_cli_create_admin_refuses_a_weak_password(runner, db):
    result = runner.invoke(args=["users", "create-admin", "boss", "boss@example.com", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert db.session.scalar(select(User).where(User.username_lower == "boss")) is None


def test_cli_promote_gives_a_member_a_role(runner, member):
    result = runner.invoke(args=["users", "promote", "maria", "product_manager"])
    assert result.exit_code == 0, result.output
    assert "maria is now product manager." in result.output
    assert actions.find_member("maria").role == "product_manager"


def test_cli_promote_unknown_member_or_role_fails(runner, member):
    assert runner.invoke(args=["users", "promote", "nobody", "facilitator"]).exit_code != 0
    assert runner.invoke(args=["users", "promote", "maria", "emperor"]).exit_code != 0
    assert actions.find_member("maria").role == "member"


def test_profile_leaves_out_hidden_replies_and_threads_whose_opening_post_is_held(
        client, db, member, make_thread, facilitator):
    from community.forum.models import Post

    held = make_thread(author=member, title="Waiting for review thread")
    shown = make_thread(author=member, title="A perfectly normal thread")
    reply = create_post(member, shown, "A reply that staff hid later.")
    db.session.scalar(select(Post).where(Post.thread_id == held.id, Post.number == 1)).state = "held"
    reply.state = "hidden"
    db.session.commit()
    page = client.get("/u/maria").get_data(as_text=True)
    assert "A perfectly normal thread" in page
    assert "Waiting for review thread" not in page
    assert "staff hid later" not in page


def _count_queries(db, fetch):
    from sqlalchemy import event

    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fetch()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_directory_and_profile_queries_do_not_grow_with_members_or_posts(client, db, make_member, make_thread):
    def add_people(n, start):
        for i in range(start, start + n):
            person = make_member(f"reader{i}")
            actions.update_profile(person, person, interests=f"topic{i}, shared")

    add_people(2, 0)
    author = actions.find_member("reader0")
    make_thread(author=author)
    create_post(author, make_thread(), "A first helpful reply.")
    few_members = _count_queries(db, lambda: client.get("/members"))
    few_posts = _count_queries(db, lambda: client.get("/u/reader0"))
    add_people(6, 2)
    for _ in range(4):
        make_thread(author=author)
        create_post(author, make_thread(), "Another helpful reply.")
    assert _count_queries(db, lambda: client.get("/members")) == few_members
    assert _count_queries(db, lambda: client.get("/u/reader0")) == few_posts
