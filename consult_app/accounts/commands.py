"""`flask users ...`: create and list accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult_app.accounts import operations as ops
from consult_app.accounts import two_factor
from consult_app.accounts.models import Role, User
from consult_app.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    password_problem,
)
from consult_app.core.errors import UserError
from consult_app.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")

ROLE_NAMES = [r.value for r in Role]


@users_cli.command("create")
@click.option("--email", required=True, help="E-mail address (the sign-in name).")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", type=click.Choice(ROLE_NAMES), default="contributor", show_default=True)
@click.option("--organisation", default=None, help="Name of an existing organisation.")
@click.option("--job-title", default=None, help="Job title.")
@click.option("--password", default=None, help="Password (asked for, twice, when not given).")
def create_command(
    email: str,
    name: str,
    role: str,
    organisation: str | None,
    job_title: str | None,
    password: str | None,
) -> None:
    """Create an account; contributors need an existing organisation."""
    email = email.strip()
    name = name.strip()
    if "@" not in email or len(email) > 254 or any(ch.isspace() for ch in email):
        raise click.BadParameter("not a valid e-mail address", param_hint="--email")
    if not name:
        raise click.BadParameter("the name cannot be empty", param_hint="--name")
    org = None
    if organisation:
        org = ops.find_organisation_by_name(organisation)
        if org is None:
            raise click.ClickException(f"No organisation is named {organisation!r}.")
    elif role == Role.CONTRIBUTOR.value:
        raise click.ClickException("A contributor needs --organisation (an existing one).")
    if ops.find_user_by_email(email) is not None:
        raise click.ClickException(f"An account with the address {email} already exists.")
    # Asked only now, so that a mistake above does not cost typing the password twice.
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    assert password is not None
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"the password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            param_hint="--password",
        )
    problem = password_problem(password, email=email, name=name)
    if problem is not None:
        raise click.BadParameter(str(problem), param_hint="--password")
    try:
        user = ops.create_user(
            None,
            email=email,
            name=name,
            role=Role(role),
            password=password,
            organisation=org,
            job_title=job_title,
        )
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@users_cli.command("reset-two-factor")
@click.option("--email", required=True, help="E-mail address of the account.")
def reset_two_factor_command(email: str) -> None:
    """Remove an account's second factor (lost phone and recovery codes, e.g. the only
    administrator's); it sets one up again at its next sign-in."""
    user = ops.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the address {email}.")
    two_factor.reset(None, user)
    db.session.commit()
    click.echo(f"Two-step sign-in of {user.email} reset; it is signed out everywhere.")


@users_cli.command("list")
@click.option("--role", type=click.Choice(ROLE_NAMES), default=None, help="Only this role.")
def list_command(role: str | None) -> None:
    """List accounts: e-mail, role, organisation, status."""
    query = select(User).options(selectinload(User.organisation)).order_by(User.email)
    if role:
        query = query.where(User.role == Role(role))
    users = db.session.scalars(query).all()
    if not users:
        click.echo("No accounts.")
        return
    for user in users:
        org = user.organisation.name if user.organisation else "-"
        status = "active" if user.active else "inactive"
        click.echo(f"{user.email}\t{user.role.value}\t{org}\t{status}")
