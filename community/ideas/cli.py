"""`flask ideas recount`: recompute every thread's stored vote count from its votes."""
import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..extensions import db
from ..forum.models import Thread
from . import actions

ideas_cli = AppGroup("ideas", help="Maintain feature requests.")


@ideas_cli.command("recount")
@click.option("--batch-size", default=1000, show_default=True, help="Threads per transaction.")
def recount(batch_size):
    """Make every thread's vote_count equal its votes, e.g. after a bulk import."""
    total = db.session.scalar(select(func.count(Thread.id))) or 0
    changed, last = 0, 0
    with click.progressbar(length=total, label="Threads") as bar:
        while True:
            # Keyset batches keep memory flat on large forums.
            ids = db.session.scalars(select(Thread.id).where(Thread.id > last).order_by(Thread.id)
                                     .limit(batch_size)).all()
            if not ids:
                break
            changed += actions.recount_votes(ids)
            bar.update(len(ids))
            last = ids[-1]
    click.echo(f"{changed} of {total} vote counts corrected.")
