"""The architecture contract of issue 18: layers and no import cycles (import-linter, contracts in
pyproject.toml), and no private name imported across modules (an AST scan of src/territoria).

Both checks count function-local imports. Known violations live in explicit allow-lists (here and in
pyproject.toml's ``ignore_imports``), each in a module being refactored in issue 18: a NEW violation fails.
"""

from __future__ import annotations

import ast
import functools
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "territoria"

# (importing module, imported module, private name): being refactored in issue 18, do not add to this list.
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str, str]] = set()


# Imports that stay inside functions, by module: each for a reason written beside it (`# lazy: ...`) and listed
# in docs/architecture.md ("Imports inside functions"). Counted with the AST; the counts may only go down.
LOCAL_IMPORTS_ALLOWED: dict[str, int] = {
    "__init__.py": 1,
    "assess/grade.py": 1,
    "assess/inputs.py": 1,
    "assess/pipeline.py": 1,
    "assess/record.py": 1,
    "assess/reproduce.py": 1,
    "assess/result.py": 3,
    "assess/tree.py": 1,
    "catalog/catalogue.py": 1,
    "dynamics/trends.py": 1,
    "economy/regression.py": 1,
    "engines/cluster.py": 3,
    "ingest/bundled.py": 1,
    "interfaces/cli/app.py": 1,
    "interfaces/cli/data.py": 2,
    "report/assessed.py": 2,
    "report/messages.py": 2,
    "report/service.py": 3,
    "store/assessments.py": 2,
    "store/bundle.py": 1,
    "store/export.py": 1,
    "store/measures.py": 1,
    "store/store.py": 1,
    "surveys/forms/__init__.py": 1,
    "surveys/forms/pdf.py": 8,
    "typology/run.py": 1,
    "typology/spatial.py": 8,
}


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


@functools.cache
def parsed(path: Path) -> tuple[str, ast.Module]:
    """The text and syntax tree of ``path``, read once per session: five tests scan every module."""
    text = path.read_text(encoding="utf-8")
    return text, ast.parse(text, filename=str(path))


@functools.cache
def is_module(name: str) -> bool:
    """Whether the dotted ``name`` is a module or package under src/ (asked for every import of every module)."""
    base = PACKAGE.parent / name.replace(".", "/")
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(path: Path, importer: str | None = None) -> set[tuple[str, str, str]]:
    """Private names ``path`` (module ``importer``) takes from another territoria module: ``from m import _x``
    and ``m._x`` where ``m`` is a territoria module bound by an import (module-level or inside a function)."""
    importer = importer or module_name(path)
    tree = parsed(path)[1]
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
                elif is_module(f"{source}.{alias.name}"):
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


@functools.cache  # two tests compare it with the allow-list
def all_private_imports() -> frozenset[tuple[str, str, str]]:
    return frozenset().union(*(private_imports(p) for p in sorted(PACKAGE.rglob("*.py"))))


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
    text, tree = parsed(path)
    lines = ["", *text.splitlines()]
    blocks: set[tuple[int, str]] = set()
    for function in ast.walk(tree):
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
    # "# lazy: heavy (...)", "# lazy: cycle: ...", "# lazy: layers: ..."
    unmarked = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        unmarked += [f"{relative}:{line}: {text.strip()}" for line, text in local_import_blocks(path)
                     if "# lazy:" not in text]  # beside an import of the block or on the line above it
    assert not unmarked, "move these imports to the module's top, or say why they wait:\n" + "\n".join(unmarked)


def local_imports(path: Path) -> int:
    """How many import statements ``path`` runs inside functions (not those under ``if TYPE_CHECKING:``)."""

    def count(node: ast.AST, inside: bool) -> int:
        found = 0
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found += inside
            found += count(child, inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))
        return found

    return count(parsed(path)[1], False)


@functools.cache  # two tests compare it with the allowance
def all_local_imports() -> dict[str, int]:
    counts = {path.relative_to(PACKAGE).as_posix(): local_imports(path) for path in sorted(PACKAGE.rglob("*.py"))}
    return {relative: n for relative, n in counts.items() if n}


def test_the_count_of_imports_inside_functions(tmp_path: Path) -> None:
    fake = tmp_path / "x.py"
    fake.write_text("import os\n"
                    "from typing import TYPE_CHECKING\n"
                    "def f():\n"
                    "    import json\n"
                    "    if TYPE_CHECKING:\n"
                    "        from pathlib import Path\n"
                    "    class C:\n"
                    "        def g(self):\n"
                    "            if os.sep:\n"
                    "                from territoria import errors, yamlfile\n"
                    "    return json, C\n"
                    "class D:\n"
                    "    import re\n", encoding="utf-8")
    assert local_imports(fake) == 2  # json and the nested `from territoria import ...`, not TYPE_CHECKING's


def test_imports_inside_functions_do_not_creep_back() -> None:
    over = {relative: f"{n} > {LOCAL_IMPORTS_ALLOWED.get(relative, 0)}" for relative, n in all_local_imports().items()
            if n > LOCAL_IMPORTS_ALLOWED.get(relative, 0)}
    assert not over, ("more imports inside functions than docs/architecture.md allows: move them to the top of "
                      f"the module, or say and document why they wait: {over}")


def test_the_allowance_for_imports_inside_functions_only_shrinks() -> None:
    found = all_local_imports()
    under = {relative: f"{found.get(relative, 0)} < {n}" for relative, n in LOCAL_IMPORTS_ALLOWED.items()
             if found.get(relative, 0) < n}
    assert not under, f"fewer imports inside functions: lower LOCAL_IMPORTS_ALLOWED and docs/architecture.md: {under}"
    documented = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [relative for relative in LOCAL_IMPORTS_ALLOWED if f"`{relative}`" not in documented]
    assert not missing, f"docs/architecture.md does not list: {missing}"


def test_import_contracts_are_kept() -> None:
    # layers (interfaces -> methods -> data layer), no cycles at any depth, private modules stay private
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken." in done.stdout, done.stdout
