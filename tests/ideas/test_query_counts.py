"""The board costs the same number of SQL queries for a few requests or a full page (no N+1)."""
from community.auth.models import User
from community.forum.models import Category
from community.ideas import actions
from tests.querycount import counted_queries


def board_queries(db, client, sort):
    db.session.remove()  # start like a production request: nothing already loaded in the session
    with counted_queries(db) as statements:
        response = client.get(f"/ideas?sort={sort}")
    assert response.status_code == 200
    return len(statements)


def test_board_costs_the_same_queries_for_3_or_25_requests(db, client, make_member, make_category, make_thread):
    category_ids = [make_category(f"Area {i}").id for i in range(3)]
    author_ids = [make_member().id for _ in range(5)]
    voter_id = make_member().id

    def add_requests(count, start):
        authors = [db.session.get(User, i) for i in author_ids]
        categories = [db.session.get(Category, i) for i in category_ids]
        voter = db.session.get(User, voter_id)
        for i in range(start, start + count):
            thread = make_thread(author=authors[i % 5], category=categories[i % 3], title=f"Request number {i}",
                                 tags=f"area-{i % 4}, idea-{i}", is_feature_request=True)
            actions.toggle_vote(voter, thread)

    add_requests(3, 0)
    few = {sort: board_queries(db, client, sort) for sort in ("votes", "voters", "newest", "trending")}
    add_requests(22, 3)
    many = {sort: board_queries(db, client, sort) for sort in ("votes", "voters", "newest", "trending")}
    assert many == few
