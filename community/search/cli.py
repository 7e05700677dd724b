"""`flask search rebuild | status | worker`: the index from the command line."""
import time

import click
from flask.cli import AppGroup

from ..extensions import db
from ..forum.models import Post
from . import embeddings
from .indexer import apply_pending, ensure_built, index_dir, needs_build, rebuild, status
from .store import IndexBusy

search_cli = AppGroup("search", help="Search index: rebuild, status, worker.")


class _StepBar:
    """A progress bar opened at its first update (closing the step before it), so a step that never runs
    prints nothing."""

    def __init__(self, length, label, previous=None):
        self.length, self.label, self.previous, self.bar, self.started = length, label, previous, None, None

    def update(self, n):
        if self.bar is None:  # first update: open
            if self.previous is not None:
                self.previous.close()
            self.started = time.monotonic()
            self.bar = click.progressbar(length=self.length, label=self.label)
            self.bar.__enter__()
        if self.bar:
            self.bar.update(n)

    def close(self):
        if self.bar:
            self.bar.__exit__(None, None, None)
            self.bar = False  # closed: later updates are ignored


@search_cli.command("rebuild")
@click.option("--procs", default=1, show_default=True,
              help="Processes that analyse documents; more is faster only on cores the web workers don't need.")
def rebuild_command(procs):
    """Rebuild the index from the database and relearn related terms (and thread vectors, when installed)."""
    rebuild_with_progress(procs)


def rebuild_with_progress(procs=1):
    """Rebuild with a progress bar per step, then say what was done; also the last step of `flask demo load`."""
    total = db.session.query(Post.id).count()
    posts = _StepBar(total, "Indexing posts")
    threads = db.session.query(Post.id).filter(Post.number == 1).count()
    vectors = _StepBar(threads, "Embedding threads", posts)
    started = time.monotonic()
    if total:
        posts.update(0)
    try:
        count = rebuild(progress=posts.update, embed_progress=vectors.update if threads else None, procs=procs)
    finally:
        posts.close()
        vectors.close()
    finished = time.monotonic()
    if not count:
        click.echo(f"The database has no posts yet: the search index in {index_dir()} is ready and empty. "
                   "New posts are indexed as they are written; `flask demo load` (or `make run`) loads and "
                   "indexes the demo community.")
    else:
        indexed = (vectors.started or finished) - started
        click.echo(f"Indexed {count} post{'' if count == 1 else 's'} in {indexed:.1f}s "
                   f"({count / max(indexed, 1e-6):.0f} posts/s) into {index_dir()}.")
    if vectors.started:
        click.echo(f"Thread vectors ({embeddings.model_id()}) brought up to date in {finished - vectors.started:.1f}s.")
    elif embeddings.enabled():
        click.echo(f"Sentence embeddings ({embeddings.model_id()}) are installed: each new thread gets its vector "
                   "as it is indexed.")
    elif not embeddings.available():
        click.echo("Sentence embeddings: not installed (optional extra: make embeddings).")
    return count


def build_if_never_built():
    """Rebuild, with progress, an index that was never built while the database has posts; True when it did."""
    if not needs_build():
        return False
    click.echo("The search index was never built: building it now.")
    rebuild_with_progress()
    return True


@search_cli.command("status")
def status_command():
    """How far the index is behind the database."""
    info = status()
    click.echo(f"Documents indexed: {info['documents']}")
    click.echo(f"Last outbox id applied: {info['last_applied']}")
    click.echo(f"Changes waiting: {info['pending']}")
    if info["oldest_pending"] is not None:
        from ..database import utcnow

        lag = (utcnow() - info["oldest_pending"]).total_seconds()
        click.echo(f"Lag: oldest waiting change is {lag:.1f}s old")
    else:
        click.echo("Lag: none, the index is up to date")


@search_cli.command("worker")
@click.option("--interval", default=0.5, show_default=True, help="Seconds between polls of the outbox.")
@click.option("--once", is_flag=True, help="Apply what is waiting, then exit.")
def worker_command(interval, once):
    """Apply outbox rows as they arrive (run this instead of the in-process indexer at scale)."""
    from .saved import notify_matches

    click.echo("Search worker started; Ctrl-C stops it.")
    if ensure_built():
        click.echo("The index was empty: rebuilt it from the database.")
    while True:
        try:
            applied = apply_pending(on_new_posts=notify_matches)
            if applied:
                click.echo(f"Applied {applied} changes.")
        except IndexBusy as error:
            click.echo(f"Index busy ({error}); retrying.", err=True)
        finally:
            db.session.remove()
        if once:
            return
        time.sleep(interval)
