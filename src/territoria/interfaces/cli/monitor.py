"""CLI commands: ``monitor`` (adopted measures: record, evaluate, list; early warnings), split from ``dynamics``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.registry import DYNAMICS_PANEL as PANEL
from territoria.interfaces.cli.users import audit_cli
from territoria.interfaces.output import emit_table, plain, print_table
from territoria.mechanisms import load_knowledge_base
from territoria.report.monitoring import evaluate
from territoria.store import Store
from territoria.store import measures as ms
from territoria.store.measures import add_measure, evaluations, withdraw_measure

__all__ = ["evaluate_measures", "monitor_app"]

monitor_app = typer.Typer(help="Adopted measures: record, evaluate, list; early warnings. History is kept.",
                          invoke_without_command=True, no_args_is_help=False)
app.add_typer(monitor_app, name="monitor", rich_help_panel=PANEL)

_OUT = typer.Option(None, "-o", "--output", help="Output table (.csv/.xlsx/.json/.parquet).")


def _emit(frame: pd.DataFrame, title: str, output: Path | None, max_rows: int = 40,
          keys: list[str] | None = None) -> None:
    emit_table(frame, output, title=title, console=console, max_rows=max_rows, keys=keys)


def evaluate_measures(as_of: int | None, assessment: str | None = None) -> tuple[int, int]:
    """Evaluate every active measure and raise early warnings (the same service as the web board)."""
    with Store(state.db) as store:
        done = evaluate(store, as_of=as_of, assessment=assessment)
    return done["evaluations"], done["warnings"]


@monitor_app.callback()
def monitor(ctx: typer.Context) -> None:
    """List adopted measures with their latest status and the early warnings (evaluates first)."""
    if ctx.invoked_subcommand is None:
        monitor_list(as_of=None, assessment=None, output=None)


@monitor_app.command("list")
def monitor_list(
    as_of: int | None = typer.Option(None, "--as-of", help="Evaluation year (default: latest data)."),
    assessment: str | None = typer.Option(None, "--assessment", help="Stored multi-year assessment whose graded "
                                          "levels raise the level warnings, NAME or NAME@VERSION (default: "
                                          "the regions' composite)."),
    output: Path | None = _OUT,
) -> None:
    """Evaluate, then list measures (on_track / off_track / achieved / overdue / no_data) and warnings."""

    added, warned = evaluate_measures(as_of, assessment)
    if assessment is not None:
        console.print(f"[dim]Level warnings from assessment {plain(repr(assessment))}[/]")
    with Store(state.db, read_only=True) as store:
        table, alerts = ms.measures(store), ms.warnings(store)
    show = ["measure_id", "unit", "mechanism", "indicator", "baseline_value", "target_value", "deadline_year",
            "status", "data_year", "value", "expected", "withdrawn_at"]
    _emit(table[show], f"Adopted measures ({added} new evaluation(s))", output,
          keys=["measure_id", "unit", "status"])
    if len(alerts):
        print_table(alerts[["unit", "kind", "year", "detail", "raised_at"]],
                    title=f"Early warnings ({warned} new)", console=console)


@monitor_app.command("add")
def monitor_add(
    unit: str = typer.Argument(..., help="Unit code."),
    mechanism: str = typer.Argument(..., help="Mechanism id of the knowledge base."),
    indicator: str = typer.Argument(..., help="Target indicator id."),
    target: float = typer.Argument(..., help="Target value."),
    deadline: int = typer.Option(..., "--deadline", help="Deadline year."),
    start: int = typer.Option(..., "--start", help="Start year (baseline: value in or before it)."),
    target_unit: str | None = typer.Option(None, "--target-unit", help="Unit of the target (checked)."),
    note: str = typer.Option("", "--note"),
    kb: Path | None = typer.Option(None, "--kb", help="Knowledge base (YAML); default: the package's."),
) -> None:
    """Record an adopted measure (unit, mechanism, start, target indicator and value, deadline)."""

    ids = load_knowledge_base(kb).ids
    with Store(state.db) as store:
        new_id = add_measure(store, unit=unit, mechanism=mechanism, indicator=indicator, target_value=target,
                             deadline_year=deadline, start_year=start, target_unit=target_unit, note=note,
                             mechanisms=ids)
        audit_cli(store, action="measure.add", target=str(new_id), detail=f"{unit} {mechanism} {indicator}")
    console.print(f"[green]Recorded measure {new_id}[/]")


@monitor_app.command("history")
def monitor_history(
    measure_id: int | None = typer.Argument(None, help="Measure id; default: all."),
    output: Path | None = _OUT,
) -> None:
    """Every evaluation ever recorded (nothing is overwritten)."""
    with Store(state.db, read_only=True) as store:
        table = evaluations(store, measure_id=measure_id)
    _emit(table, "Evaluation history", output)


@monitor_app.command("withdraw")
def monitor_withdraw(measure_id: int = typer.Argument(..., help="Measure id.")) -> None:
    """Mark a measure as withdrawn (its history stays)."""
    with Store(state.db) as store:
        withdraw_measure(store, measure_id)
        audit_cli(store, action="measure.withdraw", target=str(measure_id))
    console.print(f"[green]Measure {measure_id} withdrawn[/]")
