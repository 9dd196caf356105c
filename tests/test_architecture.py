"""The architecture contract of issue 18: layers and no import cycles (import-linter, contracts in
pyproject.toml), and no private name imported across modules (an AST scan of src/territoria).

Both checks count function-local imports. Known violations live in explicit allow-lists (here and in
pyproject.toml's ``ignore_imports``), each in a module being refactored in issue 18: a NEW violation fails.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "territoria"

# (importing module, imported module, private name): being refactored in issue 18, do not add to this list.
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str, str]] = set()


# Modules being refactored in issue 18 (or landed during it, their authors still at work): their function-local
# imports are not yet sorted out.
REFACTORING = (
    "assess/", "engines/", "store/", "diagnosis/", "mechanisms/", "typology/", "web/", "indicators/", "dynamics/",
    "report/service.py", "report/assessed.py", "report/maps.py", "report/geomap.py",
    "interfaces/cli/assess.py", "interfaces/cli/dynamics.py", "interfaces/cli/report.py", "interfaces/cli/typology.py",
    "interfaces/cli/main_job.py", "interfaces/cli/data.py", "interfaces/cli/assessments.py",
    "ingest/bundled.py", "ingest/matching.py", "ingest/tables.py", "ingest/readers.py",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module a ``from ... import`` statement reads from."""
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(path: Path, importer: str | None = None) -> set[tuple[str, str, str]]:
    """Private names ``path`` (module ``importer``) takes from another territoria module: ``from m import _x``
    and ``m._x`` where ``m`` is a territoria module bound by an import (module-level or inside a function)."""
    importer = importer or module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, str, str]] = set()
    aliases: dict[str, str] = {}  # local name -> territoria module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = absolute(node, importer, path.name == "__init__.py")
            if not source.startswith("territoria") or source == importer:
                continue
            for alias in node.names:
                if is_private(alias.name):
                    found.add((importer, source, alias.name))
                elif (PACKAGE.parent / source.replace(".", "/") / f"{alias.name}.py").exists() or (
                        PACKAGE.parent / source.replace(".", "/") / alias.name / "__init__.py").exists():
                    aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("territoria") and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and is_private(node.attr) and aliases[node.value.id] != importer):
            found.add((importer, aliases[node.value.id], node.attr))
    return found


def all_private_imports() -> set[tuple[str, str, str]]:
    return set().union(*(private_imports(p) for p in sorted(PACKAGE.rglob("*.py"))))


def test_the_scan_finds_a_private_import(tmp_path: Path) -> None:
    # the scanner itself: both forms are found (also inside a function); own names and dunders are not
    fake = tmp_path / "x.py"
    fake.write_text("from territoria import __version__\n"
                    "from territoria.report.x import _own\n"
                    "def f():\n"
                    "    from territoria.assess.audit import _numeric\n"
                    "    from territoria.assess import pipeline as p\n"
                    "    return _numeric, p._root, p.Assessment, _own\n", encoding="utf-8")
    found = private_imports(fake, "territoria.report.x")
    assert found == {("territoria.report.x", "territoria.assess.audit", "_numeric"),
                     ("territoria.report.x", "territoria.assess.pipeline", "_root")}


def test_no_new_private_name_crosses_a_module() -> None:
    found = all_private_imports()
    new = sorted(found - KNOWN_PRIVATE_IMPORTS)
    assert not new, ("private names imported from another module (make the helper public, documented, "
                     f"or move it): {new}")


def test_the_known_private_imports_are_still_there() -> None:
    # an entry fixed by the refactoring must leave the allow-list, so the list only shrinks
    gone = sorted(KNOWN_PRIVATE_IMPORTS - all_private_imports())
    assert not gone, f"fixed: remove from KNOWN_PRIVATE_IMPORTS: {gone}"


def local_import_blocks(path: Path) -> list[tuple[int, str]]:
    """The blocks of consecutive imports inside functions of ``path``: (first line, source from the line
    above the block to its last line)."""
    text = path.read_text(encoding="utf-8")
    lines = ["", *text.splitlines()]
    blocks: set[tuple[int, str]] = set()
    for function in ast.walk(ast.parse(text)):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            for field in ("body", "orelse", "finalbody"):
                statements = getattr(node, field, None)
                if not isinstance(statements, list):
                    continue
                block: list[ast.stmt] = []
                for statement in [*statements, None]:
                    if isinstance(statement, (ast.Import, ast.ImportFrom)):
                        block.append(statement)
                        continue
                    if block:
                        first, last = block[0].lineno, block[-1].end_lineno or block[-1].lineno
                        blocks.add((first, "\n".join(lines[first - 1:last + 1])))
                    block = []
    return sorted(blocks)


def test_imports_inside_functions_say_why() -> None:
    # an import stays inside a function only for a reason written beside it (docs/architecture.md):
    # "# lazy: heavy optional dependency (...)" and the like; the modules being refactored come later
    unmarked = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(REFACTORING):
            continue
        unmarked += [f"{relative}:{line}: {text.strip()}" for line, text in local_import_blocks(path)
                     if "# lazy:" not in text]  # beside an import of the block or on the line above it
    assert not unmarked, "move these imports to the module's top, or say why they wait:\n" + "\n".join(unmarked)


def test_import_contracts_are_kept() -> None:
    # layers (interfaces -> methods -> data layer), no cycles at any depth, private modules stay private
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken." in done.stdout, done.stdout
