"""`flask users …`: create an admin, change a member's role."""
import click
from flask.cli import AppGroup

from ..errors import Invalid
from .actions import find_member, register_member, set_role
from .models import ROLES

users_cli = AppGroup("users", help="Manage member accounts.")


@users_cli.command("create-admin")
@click.argument("username")
@click.argument("email")
@click.password_option(help="The admin's password (asked for when not given).")
def create_admin(username, email, password):
    """Create an admin account."""
    try:
        user = register_member(username, email, password, role="admin")
    except Invalid as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created admin {user.username} <{user.email}>.")


@users_cli.command("promote")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def promote(username, role):
    """Give a member a role: member, facilitator, product_manager or admin."""
    user = find_member(username)
    if user is None:
        raise click.ClickException(f"No member called {username}.")
    set_role(user, role)
    click.echo(f"{user.username} is now {user.role_label.lower()}.")
