"""The CLI's lazy loading (issue 18): ``territoria --help`` is printed from the registry without loading a
command module, a command loads its own modules only, and the registry says what the modules register."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import typer
from typer.testing import CliRunner

from territoria.interfaces.cli import app
from territoria.interfaces.cli.registry import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "src" / "territoria" / "interfaces" / "cli"
# the package's own plumbing, loaded by every run; every other module of the package defines commands
PLUMBING = {"__init__", "app", "registry", "lookup"}


def first_paragraph(text: str) -> str:
    return " ".join(inspect.cleandoc(text).split("\n\n")[0].split())


def test_the_registry_says_what_the_modules_register() -> None:
    modules = sorted(p.stem for p in CLI.glob("*.py") if p.stem not in PLUMBING)
    assert modules == sorted({m for command in COMMANDS for m in command.modules}), "a module no command loads"
    for module in modules:
        import_module(f"territoria.interfaces.cli.{module}")
    registered = {info.name or typer.main.get_command_name(info.callback.__name__) for info in app.registered_commands}
    registered |= {info.name for info in app.registered_groups}
    assert registered == {command.name for command in COMMANDS}
    group = typer.main.get_command(app)
    for command in COMMANDS:
        built = group.get_command(typer.Context(group), command.name)
        assert built is not None, command.name
        assert built.rich_help_panel == command.panel, command.name
        assert first_paragraph(built.short_help or built.help or "") == first_paragraph(command.help), command.name


def test_help_loads_no_command_module_and_a_command_only_its_own() -> None:
    code = (
        "import json, sys\n"
        "from territoria.interfaces.cli import app\n"
        "seen = []\n"
        "for args in (['--help'], ['reproduce', '--help'], ['assess', '--help'], ['serve', '--help']):\n"
        "    try:\n"
        "        app(args, prog_name='territoria')\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    seen.append(sorted(sys.modules))\n"
        "print(json.dumps(seen))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    help_text, loaded = done.stdout.rsplit("\n[[", 1)
    after_help, after_command, after_assess, after_serve = json.loads("[[" + loaded)
    for command in COMMANDS:
        assert f" {command.name} " in help_text, command.name
    commands = {m for m in after_help if m.startswith("territoria.interfaces.cli.")} - {
        f"territoria.interfaces.cli.{name}" for name in PLUMBING}
    assert not commands, f"--help loaded {sorted(commands)}"
    assert not {"pandas", "numpy", "duckdb"} & set(after_help)
    assert "territoria.interfaces.cli.reproduce" in after_command
    assert "territoria.interfaces.cli.typology" not in after_command
    # `assess` comes with the diagnosis (its audit workbook) but computes no trend: SciPy's statistics (1.3 s to
    # load) wait for the first Theil–Sen slope
    assert "territoria.dynamics.trends" in after_assess and "scipy.stats" not in after_assess
    # the web application names the maps' levels (report.map_words) but draws no Matplotlib figure
    assert "territoria.web.app" in after_serve and "matplotlib" not in after_serve


def test_a_typo_is_told_the_commands_not_yet_loaded() -> None:
    done = CliRunner().invoke(app, ["asess"])
    assert done.exit_code == 2
    assert "Did you mean 'assess'" in done.output


def test_a_group_built_before_its_other_modules_gains_their_sub_commands() -> None:
    """`data` lives in cli/data.py but `data bns` and `data taldau` in their own modules: after a command that
    loads cli/data.py alone (as `units` does), the next `data …` call must still see them. In a fresh process,
    because this process may have loaded them already."""
    script = (
        "from typer.testing import CliRunner\n"
        "from territoria.interfaces.cli import app\n"
        "runner = CliRunner()\n"
        "assert runner.invoke(app, ['units', '--help']).exit_code == 0\n"
        "for args in (['data', 'taldau', '--help'], ['data', 'bns', 'list', '--help']):\n"
        "    result = runner.invoke(app, args)\n"
        "    assert result.exit_code == 0, (args, result.output)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "120"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
