"""`flask search rebuild | status | worker`: the index from the command line."""
import time

import click
from flask.cli import AppGroup

from ..extensions import db
from ..forum.models import Post
from .indexer import apply_pending, ensure_built, index_dir, rebuild, status
from .store import IndexBusy

search_cli = AppGroup("search", help="Search index: rebuild, status, worker.")


@search_cli.command("rebuild")
def rebuild_command():
    """Rebuild the index from the database and relearn related terms."""
    total = db.session.query(Post.id).count()
    started = time.monotonic()
    with click.progressbar(length=total, label="Indexing posts") as bar:
        count = rebuild(progress=bar.update)
    elapsed = time.monotonic() - started
    click.echo(f"Indexed {count} posts in {elapsed:.1f}s ({count / max(elapsed, 1e-6):.0f} posts/s) "
               f"into {index_dir()}.")


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
