"""Short coverage-guided fuzzing runs (atheris) of the number parser and the table reader.

Each target runs in a subprocess on a copy of its committed corpus (``fuzz/corpus/<target>``) for a fixed
number of executions with a fixed seed, so the same inputs are tried on every machine however loaded it
is; the test fails on any crash (a non-project exception or an assertion in the target) and prints the
run's figures. ``TERRITORIA_FUZZ_SECONDS`` turns it into a timed run instead; longer runs: see
``docs/reliability.md``.
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
SECONDS = os.environ.get("TERRITORIA_FUZZ_SECONDS")


@pytest.mark.parametrize(("target", "corpus", "runs"), [("fuzz_numbers.py", "numbers", 100000),
                                                         ("fuzz_table_reader.py", "table_reader", 400)])
def test_fuzz_target_finds_no_crash(tmp_path, target, corpus, runs):
    pytest.importorskip("atheris")
    work = tmp_path / "corpus"
    shutil.copytree(ROOT / "fuzz" / "corpus" / corpus, work)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / target), str(work),
         f"-max_total_time={SECONDS}" if SECONDS else f"-runs={runs}",
         "-rss_limit_mb=2048", "-timeout=20", f"-artifact_prefix={tmp_path}/", "-seed=1234"],
        capture_output=True, text=True, timeout=int(SECONDS or 0) + 600, cwd=tmp_path)
    tail = proc.stderr[-4000:]
    assert proc.returncode == 0, f"{target} crashed:\n{tail}"
    done = re.search(r"Done (\d+) runs in (\d+) second", proc.stderr)
    assert done is not None, tail
    assert SECONDS or int(done.group(1)) == runs, f"expected {runs} executions: {done.group(0)}"
    print(f"{target}: {done.group(0)}")
