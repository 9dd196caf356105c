"""The Typer application and the options every command shares."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from difflib import get_close_matches
from importlib import import_module
from pathlib import Path

import typer
from rich.console import Console

# Typer carries its own copy of Click (typer._click): the group is handed its Context, not click's
from typer._click import Command, Context, HelpFormatter
from typer._click.exceptions import UsageError
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_command_name, get_group_from_info

from territoria.interfaces.cli.registry import COMMANDS, by_name

__all__ = ["DEFAULT_DB", "LazyGroup", "app", "console", "err_console", "state"]

DEFAULT_DB = Path(os.environ.get("TERRITORIA_DB", "territoria.duckdb"))


class LazyGroup(TyperGroup):
    """The top-level group: a command's module is imported when the command runs, not when ``territoria``
    starts (Click's "lazily loading subcommands"); ``--help`` lists the commands from the registry."""

    listing = False  # True while the group's own help is printed: the registry's lines stand in for commands

    def list_commands(self, ctx: Context) -> list[str]:
        return list(dict.fromkeys([*(command.name for command in COMMANDS), *self.commands]))

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        entry = by_name(cmd_name)
        if entry is None:
            return self.commands.get(cmd_name)
        if self.listing:
            return self.commands.get(cmd_name) or TyperCommand(name=entry.name, help=entry.help,
                                                               rich_help_panel=entry.panel)
        # Typer builds this group with whatever was registered on `app` so far: a command whose module was
        # imported earlier (by another command) may be here without the sub-commands its other modules add
        # (`data` before `data bns`), so it is rebuilt once those modules have been imported
        names = [f"territoria.interfaces.cli.{module}" for module in entry.modules]
        missing = [name for name in names if name not in sys.modules]
        for name in missing:
            import_module(name)  # registers its commands on `app`
        if missing or cmd_name not in self.commands:
            self.commands[cmd_name] = built_command(cmd_name, entry.modules)
        return self.commands[cmd_name]

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        # Typer's own "did you mean" looks only at the commands built so far; list_commands has all of them
        try:
            return self._click_resolve_command(ctx, args)
        except UsageError as error:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args and self.suggest_commands else []
            if matches:
                error.message = f"{error.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise


def built_command(name: str, modules: tuple[str, ...]) -> Command:
    """The Click command (or group) ``name`` from what its modules registered on ``app``."""
    for info in app.registered_commands:
        if info.callback is not None and (info.name or get_command_name(info.callback.__name__)) == name:
            return get_command_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                         rich_markup_mode=app.rich_markup_mode)
    for group in app.registered_groups:
        if group.name == name:
            return get_group_from_info(group, pretty_exceptions_short=app.pretty_exceptions_short,
                                       suggest_commands=app.suggest_commands, rich_markup_mode=app.rich_markup_mode)
    raise LookupError(f"territoria.interfaces.cli.registry: command {name!r} is said to live in "
                      f"{', '.join(modules)} but none of them registers it")


app = typer.Typer(
    cls=LazyGroup,
    name="territoria",
    help=(
        "Territoria — which settlements, districts and regions of Kazakhstan are vulnerable or "
        "depressed, why, and which policy mechanisms fit them.\n\n"
        "Data live in a Store (one DuckDB file, --db). Start with `territoria run` (the main job on the "
        "bundled data), or `territoria load-bundled` then `territoria units`, `territoria show UNIT`, "
        "`territoria coverage`."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def console_width() -> int | None:
    """COLUMNS when set; else the terminal's width; else 160 (tables written to a log or a pipe)."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else (None if sys.stdout.isatty() else 160)


console = Console(width=console_width())
err_console = Console(stderr=True, width=console_width())


@dataclass
class State:
    db: Path = DEFAULT_DB


state = State()


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: Path = typer.Option(DEFAULT_DB, "--db", help="Path of the Store (DuckDB file); env TERRITORIA_DB.",
                            envvar="TERRITORIA_DB"),
) -> None:
    state.db = db
    # lazy: heavy (pandas): interfaces.output is for the commands; `territoria --help` prints from this module alone
    from territoria.interfaces.output import record_command

    # the command as typed goes into the "about" sheet of the workbooks it writes; Click hides the
    # subcommand's own arguments from this callback, so they come from sys.argv when the program is ours
    # (called in-process, by a test runner, only the command's name is known)
    if Path(sys.argv[0]).name == "territoria" and ctx.invoked_subcommand in sys.argv[1:]:
        record_command(["territoria", *sys.argv[1:]])
    else:
        record_command(["territoria", *(["--db", str(db)] if db != DEFAULT_DB else []),
                        *([ctx.invoked_subcommand] if ctx.invoked_subcommand else [])])
    # the width is read again for every invocation (COLUMNS may change between calls in one process)
    console.width = err_console.width = console_width()  # type: ignore[assignment]
