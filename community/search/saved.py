"""Saved searches: keep a query, and be told when a new post matches it."""
import logging

from flask import url_for
from sqlalchemy import select
from whoosh.query import NullQuery, Or, Term

from .. import jobs, permissions
from ..auth.models import User
from ..database import commit, utcnow
from ..errors import Invalid, NotFound
from ..extensions import db
from . import related
from .indexer import current_index, index_dir
from .models import SavedSearch
from .parsing import parse
from .reading import searcher_for, visibility_mask

log = logging.getLogger(__name__)
MAX_SAVED = 50


def save_search(user, query, name=""):
    """Keep a query for this member; saving the same query twice keeps one."""
    permissions.require(permissions.can_save_searches(user), "Sign in to save searches.")
    query = " ".join((query or "").split())
    if not query:
        raise Invalid("Type a search before saving it.", field="q")
    if len(query) > 500:
        raise Invalid("Saved searches are limited to 500 characters.", field="q")
    existing = db.session.scalar(select(SavedSearch).where(SavedSearch.user_id == user.id, SavedSearch.query == query))
    if existing is not None:
        return existing
    count = db.session.query(SavedSearch.id).filter(SavedSearch.user_id == user.id).count()
    if count >= MAX_SAVED:
        raise Invalid(f"You can keep up to {MAX_SAVED} saved searches; delete one first.")
    saved = SavedSearch(user_id=user.id, query=query, name=(name or query)[:80].strip())
    db.session.add(saved)
    commit()
    return saved


def delete_saved_search(user, saved_id):
    saved = db.session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != user.id:
        raise NotFound("That saved search doesn't exist.")
    db.session.delete(saved)
    commit()


def saved_searches(user):
    return db.session.scalars(
        select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.created_at.desc())
    ).all()


def notify_matches(post_ids):
    """After indexing: queue the job that tells saved searches' owners about these newly searchable posts.

    Matching runs every saved search against the index, which grows with the community: it belongs in the job
    worker, where a failure is retried instead of lost with the indexer's batch."""
    if not post_ids:
        return None
    job = jobs.enqueue(SAVED_SEARCH_MATCHES.name, {"post_ids": sorted(post_ids)})
    commit()
    return job


def send_match_notices(payload):
    """The job: tell each saved search's owner about the new posts matching it that they may see; returns how
    many were told. Its notifications commit together with the removal of the job."""
    from ..notifications.actions import notify

    post_ids = payload["post_ids"]
    if not post_ids:
        return 0
    ix = current_index()
    terms = related.load(index_dir())
    entry = searcher_for(ix)
    only_new = set(entry.searcher.docs_for_query(Or([Term("post_id", pid) for pid in post_ids])))
    sent = 0
    searches = db.session.scalars(select(SavedSearch).join(User, SavedSearch.user_id == User.id)
                                  .where(User.suspended_at.is_(None))).all()
    if only_new:
        for saved in searches:
            parsed = parse(ix.schema, saved.query, terms)
            if parsed.query is NullQuery:
                continue
            try:
                hits = entry.searcher.search(parsed.query, filter=only_new, mask=visibility_mask(entry, saved.user),
                                             limit=20)
                matches = [(h["post_id"], h["thread_id"], h["number"], h["thread_title"], h["author_id"])
                           for h in hits]
            except Exception:
                log.warning("saved search %s could not run", saved.id, exc_info=True)
                continue
            # Nobody needs to hear about their own posts.
            matches = [m for m in matches if m[4] != saved.user_id]
            if not matches:
                continue
            post_id, thread_id, number, title, _ = matches[0]
            more = f" and {len(matches) - 1} more" if len(matches) > 1 else ""
            text = f"New post matching “{saved.name}”: {title}{more}"
            notify(saved.user_id, "saved_search", text, url=_post_url(thread_id, number),
                   thread_id=thread_id, post_id=post_id, commit_now=False)
            saved.last_notified_at = utcnow()
            saved.notified_count += len(matches)
            sent += 1
    return sent


def _describe_matches(payload):
    count = len(payload.get("post_ids", ()))
    return f"Saved-search notices for {count} new post{'' if count == 1 else 's'}"


SAVED_SEARCH_MATCHES = jobs.JobKind("search.saved_matches", run=send_match_notices, describe=_describe_matches)


def _post_url(thread_id, number):
    try:
        return url_for("forum.post_link", thread_id=thread_id, number=number)
    except RuntimeError:
        # Outside a request (the worker) there is no URL adapter; the path shape is stable.
        return f"/t/{thread_id}/p/{number}"
