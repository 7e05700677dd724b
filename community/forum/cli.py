"""`flask markup rerender`: rebuild every stored post and bio HTML from its Markdown source."""
import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..auth.models import User
from ..extensions import db
from . import actions
from .models import Post

markup_cli = AppGroup("markup", help="Maintain stored, sanitised HTML.")


def _batches(column, batch_size):
    """Ids in ascending batches, read by keyset so memory stays flat on large forums."""
    last = 0
    while True:
        ids = db.session.scalars(select(column).where(column > last).order_by(column).limit(batch_size)).all()
        if not ids:
            return
        yield ids
        last = ids[-1]


@markup_cli.command("rerender")
@click.option("--batch-size", default=500, show_default=True, help="Rows per transaction.")
def rerender(batch_size):
    """Re-render all posts and bios, e.g. after the markup allowlist changed."""
    for label, column, rerender_batch in (
        ("Posts", Post.id, actions.rerender_posts),
        ("Bios", User.id, actions.rerender_bios),
    ):
        total = db.session.scalar(select(func.count(column))) or 0
        changed = 0
        with click.progressbar(length=total, label=label) as bar:
            for ids in _batches(column, batch_size):
                changed += rerender_batch(ids)
                bar.update(len(ids))
        click.echo(f"{label}: {changed} of {total} changed.")
