"""`flask demo …`: load the demo community (small and lifelike, or large for benchmarks), print its sign-ins."""
import time

import click
from flask.cli import AppGroup

from ..search.cli import build_if_never_built, rebuild_with_progress
from .load import DEFAULT_SEED, credential_lines, database_is_empty, load_demo

demo_cli = AppGroup("demo", help="The demo community.")

# Up to this many threads go through the real actions; beyond it the rest is written in bulk.
LIFELIKE_THREADS = 150


@demo_cli.command("load")
@click.option("--threads", default=LIFELIKE_THREADS, show_default=True, type=click.IntRange(1, 1_000_000),
              help="How many threads; above 150 the extra ones are written in bulk.")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, help="Same seed, same community.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has members.")
@click.option("--no-index", is_flag=True, help="Leave the search index for a later `flask search rebuild` "
                                               "(page benchmarks need no search).")
def load(threads, seed, if_empty, no_index):
    """Load the demo community into an empty database."""
    if not database_is_empty():
        if if_empty:
            click.echo("The database has members already: demo not loaded.")
            build_if_never_built()  # a first run stopped while indexing: finish before the server answers
            return
        raise click.ClickException("The database has members already; the demo loads into an empty database "
                                   "(use --if-empty to skip quietly).")
    started = time.monotonic()
    lifelike = min(threads, LIFELIKE_THREADS)
    load_demo(threads=lifelike, seed=seed, bulk_threads=threads - lifelike)
    click.echo(f"Demo community loaded: {threads} threads in {time.monotonic() - started:.0f} s.")
    if not no_index:
        rebuild_with_progress()  # before the server starts, so its first search already finds the demo community
    click.echo("Sign in with:")
    for line in credential_lines():
        click.echo("  " + line)


@demo_cli.command("credentials")
def credentials():
    """Print the demo sign-ins, one line per role."""
    for line in credential_lines():
        click.echo(line)
