"""Error pages in the site's style, and re-rendering stored HTML from the command line."""
import pytest
from flask import abort

from community.forum.models import Post


@pytest.mark.parametrize("code, heading", [
    (400, "That request didn&#39;t make sense"),
    (403, "You can&#39;t go there"),
    (429, "Slow down a little"),
    (500, "Something broke on our side"),
])
def test_error_pages_use_the_site_layout(app, client, code, heading):
    app.add_url_rule(f"/boom/{code}", f"boom_{code}", lambda: abort(code))
    response = client.get(f"/boom/{code}")
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert heading in page and 'class="site-header"' in page and 'href="/static/css/site.css?v=' in page


def test_unexpected_exception_shows_the_500_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def crash():
        raise RuntimeError("database on fire")

    app.add_url_rule("/crash", "crash", crash)
    response = client.get("/crash")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something broke on our side" in page and "database on fire" not in page


def test_missing_thread_shows_the_404_page(client):
    response = client.get("/t/999999")
    assert response.status_code == 404
    assert "Nothing here" in response.get_data(as_text=True)


def test_oversized_request_shows_the_413_page(app, client, auth, member, make_thread):
    thread = make_thread()
    auth.login("maria")
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = client.post(f"/t/{thread.id}/reply", data={"body": "x" * 20_000})
    assert response.status_code == 413
    assert "That&#39;s too large" in response.get_data(as_text=True)


def test_markup_rerender_rebuilds_stored_html_from_source(runner, db, make_thread):
    thread = make_thread(body="Some **bold** words")
    post = db.session.query(Post).filter_by(thread_id=thread.id).one()
    post.body_html = "<p>stale html from an older allowlist<script>x</script></p>"
    db.session.commit()
    result = runner.invoke(args=["markup", "rerender"])
    assert result.exit_code == 0, result.output
    assert "Posts: 1 of 1 changed." in result.output
    db.session.refresh(post)
    assert post.body_html == "<p>Some <strong>bold</strong> words</p>"
