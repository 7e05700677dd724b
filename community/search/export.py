"""CSV export of a search: one row per thread, safe to open in a spreadsheet."""
import csv
import io

from flask import url_for

from .queries import search

COLUMNS = ("title", "link", "author", "date", "votes", "status", "category", "tags")
MAX_ROWS = 2000
# A cell starting with one of these is a formula to Excel and friends; a leading quote makes it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def export_rows(user, q, sort="relevance"):
    """Rows (dicts with COLUMNS) for every thread the search finds and the user may see, up to MAX_ROWS."""
    from sqlalchemy import select

    from ..extensions import db
    from ..forum.models import Thread

    results = search(user, q, sort=sort, page=1, per_page=MAX_ROWS, use_related=True)
    ids = [t.thread_id for t in results.threads]
    threads = {t.id: t for t in db.session.scalars(select(Thread).where(Thread.id.in_(ids)))} if ids else {}
    rows = []
    for hit in results.threads:
        thread = threads.get(hit.thread_id)
        if thread is None:
            continue
        rows.append({
            "title": thread.title,
            "link": url_for("forum.thread", thread_id=thread.id, slug=thread.slug, _external=True),
            "author": thread.author.username,
            "date": thread.created_at.strftime("%Y-%m-%d"),
            "votes": thread.vote_count,
            "status": thread.request_status if thread.is_feature_request else "",
            "category": thread.category.name,
            "tags": " ".join(thread.tag_names),
        })
    return rows


def to_csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in COLUMNS])
    return out.getvalue()
