"""Search pages: the search box and results, JSON for integrations, CSV export, saved searches."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import permissions
from ..errors import CommunityError
from ..database import utcnow
from . import export, saved
from .forms import DeleteSavedSearchForm, SaveSearchForm
from .indexer import catching_up
from .queries import SORTS, category_names, search

bp = Blueprint("search", __name__)
PER_PAGE = 20


def _args():
    q = (request.args.get("q") or "")[:500]
    sort = request.args.get("sort", "relevance")
    page = request.args.get("page", 1, type=int) or 1
    return q, sort if sort in SORTS else "relevance", max(page, 1)


@bp.route("/search")
def index():
    q, sort, page = _args()
    results = search(current_user, q, sort=sort, page=page, per_page=PER_PAGE) if q.strip() else None
    form = SaveSearchForm(q=q) if current_user.is_authenticated else None
    return render_template("search/index.html", q=q, sort=sort, results=results, form=form,
                           categories=category_names(), sorts=SORTS, indexing=catching_up())


@bp.route("/api/search")
def api_search():
    q, sort, page = _args()
    per_page = min(max(request.args.get("per_page", PER_PAGE, type=int) or PER_PAGE, 1), 50)
    results = search(current_user, q, sort=sort, page=page, per_page=per_page)
    indexing = catching_up()
    return {
        "q": results.q, "sort": results.sort, "page": results.page, "pages": results.pages,
        "total_threads": results.total, "total_posts": results.total_posts,
        "all_words_threads": results.all_words, "partial_threads": results.partial_threads,
        "notice": results.notice or None, "did_you_mean": results.suggestion or None,
        "indexing": None if indexing is None else {
            "searchable_posts": indexing.searchable, "database_posts": indexing.total,
            "changes_waiting": indexing.waiting,
        },
        "filters": [{"name": n, "value": v} for n, v in results.filters],
        "facets": {name: [{"value": v, "count": c} for v, c in pairs] for name, pairs in results.facets.items()},
        "threads": [{
            "id": t.thread_id, "title_html": t.title_html,
            "url": url_for("forum.thread", thread_id=t.thread_id, _external=True),
            "category": t.category, "tags": t.tags, "votes": t.votes, "feature_request": t.feature,
            "all_words": not t.partial,
            "status": t.status if t.feature else None, "created": t.created.isoformat() if t.created else None,
            "posts": [{
                "id": p["post_id"], "number": p["number"], "author": p["author"], "likes": p["likes"],
                "created": p["created"].isoformat() if p["created"] else None, "snippet_html": p["snippet_html"],
                "url": url_for("forum.post_link", thread_id=t.thread_id, number=p["number"], _external=True),
            } for p in t.posts],
        } for t in results.threads],
    }


@bp.route("/search/export.csv")
@login_required
def export_csv():
    if not permissions.can_export(current_user):
        abort(403)
    q, sort, _ = _args()
    body = export.to_csv(export.export_rows(current_user, q, sort))
    filename = f"search-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/search/saved")
@login_required
def saved_list():
    return render_template("search/saved.html", searches=saved.saved_searches(current_user),
                           delete_form=DeleteSavedSearchForm())


@bp.route("/search/saved", methods=["POST"])
@login_required
def save():
    form = SaveSearchForm()
    if not form.validate_on_submit():
        flash("Type a search before saving it.", "error")
        return redirect(url_for("search.index", q=form.q.data or None))
    try:
        entry = saved.save_search(current_user, form.q.data, form.name.data)
    except CommunityError as error:
        flash(error.message, "error")
        return redirect(url_for("search.index", q=form.q.data))
    flash(f"Saved “{entry.name}”. You'll be notified when a new post matches it.", "success")
    return redirect(url_for("search.index", q=entry.query))


@bp.route("/search/saved/<int:saved_id>/delete", methods=["POST"])
@login_required
def delete(saved_id):
    form = DeleteSavedSearchForm()
    if not form.validate_on_submit():
        abort(400)
    saved.delete_saved_search(current_user, saved_id)
    flash("Saved search deleted.", "success")
    return redirect(url_for("search.saved_list"))
