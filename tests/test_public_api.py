"""The public API of ``import territoria`` (issue 18): the names it exports, that importing it is cheap, the
bundled panel read without a Store, and the README's "In Python" snippet, run as written."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import territoria
from territoria.assess.pipeline import Assessment
from territoria.assess.result import Result
from territoria.diagnosis import diagnose
from territoria.errors import DataError
from territoria.panel import Panel
from territoria.store import Store

ROOT = Path(__file__).resolve().parents[1]
KEY = ["unit", "indicator", "year"]


def readme_snippet() -> str:
    """The first ```python block of the README's "## In Python" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## In Python\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert found, "README.md: no ```python block under '## In Python'"
    return found.group(1)


def test_the_public_names() -> None:
    assert territoria.Assessment is Assessment
    assert territoria.Result is Result
    assert territoria.Panel is Panel
    assert callable(territoria.bundled_panel)
    assert territoria.diagnose is diagnose
    assert {"Assessment", "Result", "Panel", "bundled_panel", "diagnose"} <= set(territoria.__all__)
    assert {"Assessment", "Result", "Panel", "bundled_panel", "diagnose"} <= set(dir(territoria))
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", territoria.__version__)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        territoria.nothing_here  # noqa: B018


def test_importing_territoria_loads_nothing_else() -> None:
    # cheap by construction, not by a stopwatch: no method module, no pandas, no DuckDB, no metadata lookup
    code = ("import json, sys; before = set(sys.modules); import territoria; "
            "print(json.dumps(sorted(set(sys.modules) - before)))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    assert "territoria" in loaded
    others = {name for name in loaded if name != "territoria" and name.split(".")[0] not in sys.stdlib_module_names}
    assert not others, f"import territoria loads {sorted(others)}"
    assert "importlib.metadata" not in loaded


@pytest.mark.parametrize(("level", "borders"), [("region", "own"), ("district", "own"), ("region", "old")])
def test_the_bundled_panel_is_the_stores_panel(bundled_store_path: Path, level: str, borders: str) -> None:
    panel = territoria.bundled_panel(level, borders=borders)
    with Store(bundled_store_path, read_only=True) as store:
        stored = store.panel(level=level, borders=borders)
    ours = panel.observations[[*KEY, "value"]].sort_values(KEY, ignore_index=True)
    theirs = stored.observations[[*KEY, "value"]].sort_values(KEY, ignore_index=True)
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)
    assert panel.units.index.tolist() == stored.units.index.tolist()
    for column in ("level", "kind", "parent", "name_en", "valid_from", "valid_to"):
        assert panel.units[column].fillna("").tolist() == stored.units[column].fillna("").tolist(), column
    assert set(panel.units["level"]) == {level}


def test_the_bundled_panel_refuses_what_it_does_not_have() -> None:
    with pytest.raises(DataError, match="level must be one of"):
        territoria.bundled_panel("province")
    with pytest.raises(DataError, match="borders must be 'own' or 'old'"):
        territoria.bundled_panel("region", borders="new")


def test_the_bundled_panel_filters() -> None:
    panel = territoria.bundled_panel("region", indicators=["births"], years=[2021])
    assert panel.indicators == ["births"]
    assert panel.years == [2021]
    assert len(panel.existing_in(2021)) == 17


def test_the_readme_snippet_runs_as_written(bundled_store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snippet = readme_snippet()
    lines = [line for line in snippet.splitlines() if line.strip()]
    assert len(lines) <= 10, f"the README promises ten lines, the snippet has {len(lines)}"
    monkeypatch.chdir(ROOT)
    scope: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(compile(snippet, "README.md (In Python)", "exec"), scope)
    result = scope["result"]
    assert isinstance(result, territoria.Result)
    table = scope["table"]
    assert isinstance(table, pd.DataFrame)
    # 2021: the 14 regions on that year's borders; the seeds' sample leaves the 3 republican cities out
    assert sorted(table["rank"]) == list(range(1, 15))
    assert "vulnerability_index" in printed.getvalue()
    assert table.loc[scope["last"], "rank"] == 14
    assert "environmental" in printed.getvalue()  # a block of the diagnosis's weak_blocks table
    # the same result as from a Store loaded with the bundled data
    with Store(bundled_store_path, read_only=True) as store:
        stored = Assessment(ROOT / "examples" / "vulnerability_regions.yaml").run(store.panel(level="region"))
    pd.testing.assert_frame_equal(table, stored.to_frame())
