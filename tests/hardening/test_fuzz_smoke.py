"""Short coverage-guided fuzzing runs (atheris) of the number parser and the table reader, ~25 s each.

Each target runs in a subprocess on a copy of its committed corpus (``fuzz/corpus/<target>``); the test fails
on any crash (a non-project exception or an assertion in the target) and prints the run's figures. Longer
runs: see ``docs/reliability.md``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECONDS = int(os.environ.get("TERRITORIA_FUZZ_SECONDS", "25"))


@pytest.mark.parametrize(("target", "corpus"), [("fuzz_numbers.py", "numbers"),
                                                 ("fuzz_table_reader.py", "table_reader")])
def test_fuzz_target_finds_no_crash(tmp_path, target, corpus):
    pytest.importorskip("atheris")
    work = tmp_path / "corpus"
    shutil.copytree(ROOT / "fuzz" / "corpus" / corpus, work)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / target), str(work), f"-max_total_time={SECONDS}",
         "-rss_limit_mb=2048", "-timeout=20", f"-artifact_prefix={tmp_path}/", "-seed=1234"],
        capture_output=True, text=True, timeout=SECONDS + 90, cwd=tmp_path)
    tail = proc.stderr[-4000:]
    assert proc.returncode == 0, f"{target} crashed:\n{tail}"
    done = re.search(r"Done (\d+) runs in (\d+) second", proc.stderr)
    assert done is not None, tail
    assert int(done.group(1)) > 20, f"too few executions: {done.group(0)}"
    print(f"{target}: {done.group(0)}")
