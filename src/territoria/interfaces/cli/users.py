"""CLI commands ``territoria users …``: accounts of the web server (roles, passwords, API tokens, audit)."""

from __future__ import annotations

import getpass
import os
import sys

import typer

from territoria.errors import DataError
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.output import print_table
from territoria.store import Store, accounts

__all__ = ["audit_cli", "cli_actor", "users_app"]

users_app = typer.Typer(help="Accounts of the web server: users with roles (viewer, analyst, admin), API tokens, "
                             "the audit trail.", no_args_is_help=True)
app.add_typer(users_app, name="users", rich_help_panel="Reports and web")


def cli_actor() -> str:
    """How the audit log names a change made from this shell: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid{os.getuid()}"


def audit_cli(store: Store, *, action: str, target: str = "", detail: str = "") -> None:
    """Record a change made from the command line in the audit trail (who: :func:`cli_actor`)."""
    with store.transaction():
        accounts.record(store, user=cli_actor(), action=action, target=target, detail=detail)


@users_app.command("add")
def add(
    name: str = typer.Argument(..., help="User name (letters, digits, . _ @ -)."),
    role: str = typer.Option(..., "--role", help="viewer (read), analyst (upload, assess, monitor, measures) or "
                                                 "admin (also users and revisions)."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the password from the first line of standard input."),
    no_password: bool = typer.Option(False, "--no-password", help="No password: the user logs in with tokens."),
) -> None:
    """Add a user; the password is prompted for (twice) unless --password-stdin or --no-password."""
    if password_stdin and no_password:
        raise DataError("--password-stdin and --no-password exclude each other; give one")
    if no_password:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    with Store(state.db) as store:
        user = accounts.add_user(store, name, role=role, password=password)
        with store.transaction():
            accounts.record(store, user=cli_actor(), action="user.add", target=name, detail=f"role={role}")
    console.print(f"User [bold]{user.name}[/] added with role {user.role}.", highlight=False)


@users_app.command("list")
def list_() -> None:
    """List the users: role, created, whether they have a password, how many tokens."""
    with Store(state.db, read_only=True) as store:
        table = accounts.list_users(store)
    if table.empty:
        console.print("No user yet; add one with `territoria users add NAME --role admin`.")
    else:
        print_table(table, title="Users", console=console)


@users_app.command("remove")
def remove(name: str = typer.Argument(..., help="User name.")) -> None:
    """Remove a user and their tokens (the audit log keeps their name)."""
    with Store(state.db) as store:
        accounts.remove_user(store, name)
        with store.transaction():
            accounts.record(store, user=cli_actor(), action="user.remove", target=name)
    console.print(f"User [bold]{name}[/] removed.", highlight=False)


@users_app.command("token")
def token(
    name: str = typer.Argument(..., help="User name."),
    label: str = typer.Option("", "--label", help="A note on where the token is used."),
) -> None:
    """Create an API token for a user and print it once (send it as `Authorization: Bearer TOKEN`)."""
    with Store(state.db) as store:
        value = accounts.create_token(store, name, label=label)
        with store.transaction():
            accounts.record(store, user=cli_actor(), action="token.create", target=name, detail=label)
    console.print(f"Token for {name} (shown once; the Store keeps only its digest):", highlight=False)
    print(value)


@users_app.command("audit")
def audit(
    limit: int = typer.Option(50, "--limit", min=1, max=100_000, help="How many events (newest first)."),
    user: str | None = typer.Option(None, "--user", help="Only this user's events."),
) -> None:
    """The audit trail: who imported, revised, assessed, changed a measure or a user, and when."""
    with Store(state.db, read_only=True) as store:
        table = accounts.audit_log(store, limit=limit, user=user)
    if table.empty:
        console.print("The audit log is empty.")
    else:
        print_table(table, title="Audit log", console=console)
