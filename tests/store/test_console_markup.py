"""Text from data is printed as it is, never read as Rich markup (issue 19, finding 9).

The notes, names and file names here are synthetic; the Store is a copy of the bundled real data.
"""

from __future__ import annotations

import io
import sys

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

import territoria.interfaces.cli as cli
from territoria.interfaces.cli import app
from territoria.interfaces.output import plain, print_table
from territoria.store import Store, import_observations

runner = CliRunner()
NOTE = "[/oops] [bold]not bold[/bold] [link=http://x]"


def test_print_table_shows_brackets_from_data_as_they_are() -> None:
    out = io.StringIO()
    table = pd.DataFrame({"[/col]": ["[/oops]", "a [red]b"], "n": [1.0, 2.0]})
    print_table(table, title="notes [/x]", console=Console(file=out, width=120))
    text = out.getvalue()
    assert "[/oops]" in text and "a [red]b" in text and "[/col]" in text and "notes [/x]" in text


def test_plain_round_trips_through_markup() -> None:
    out = io.StringIO()
    Console(file=out, width=200).print(f"[green]note:[/] {plain(NOTE)}")
    assert out.getvalue().strip() == f"note: {NOTE}"


@pytest.fixture
def db(bundled_store_path, tmp_path):
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(bundled_store_path.read_bytes())
    return copy


def test_history_with_a_markup_note_prints(db) -> None:
    with Store(db) as store:
        old = store.observations(units=["590000000"], indicators=["population_1jan"], years=[2021])
        row = pd.DataFrame({"unit": ["590000000"], "indicator": ["population_1jan"], "year": [2021],
                            "value": [float(old["value"].iloc[0]) + 1], "note": [NOTE]})
        import_observations(store, row, file="[/oops].csv", file_sha256="c" * 64, revise=True)
        row["value"] += 1
        import_observations(store, row, file="[/oops]2.csv", file_sha256="d" * 64, revise=True)
    res = runner.invoke(app, ["--db", str(db), "history"])
    assert res.exit_code == 0, res.output
    assert "[/oops]" in res.output
    res = runner.invoke(app, ["--db", str(db), "imports"])
    assert res.exit_code == 0 and "[/oops].csv" in res.output


def test_an_error_message_with_brackets_is_printed_not_parsed(db, monkeypatch, capsys, tmp_path) -> None:
    # a copy of the bundled Store: on an empty one `import` would first load the whole bundle, which this
    # test (the error's text) does not need; the unknown unit '[/x]' is refused the same way either way
    bad = tmp_path / "[red]oops.csv"
    bad.write_text("unit,indicator,year,value\n[/x],population_1jan,2021,5\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["territoria", "--db", str(db), "import", str(bad)])

    def leave(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(cli.os, "_exit", leave)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "[red]oops.csv" in err and "'[/x]'" in err
