"""A process importing into a Store is killed with SIGKILL at random (seeded) moments; the Store then opens
and holds exactly the old or exactly the new state, never a mix.

Old state: one finished import of synthetic rows. New state: a second import (synthetic) that revises half of
them and adds as many new rows, written in many batches. The worker says ``ready`` once the Store is open;
the kill lands between 0 and 1.3 times the measured length of an uninterrupted import after that. Each
worker is a process of its own, forked by a forkserver that imported pandas, DuckDB and the Store once
(``kill_worker.PRELOAD``), so a trial does not pay a fresh interpreter's imports.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from territoria.ingest.bundled import bundled_units
from territoria.store import Store, import_observations

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import kill_worker  # noqa: E402
from kill_worker import synthetic_rows  # noqa: E402

FORKSERVER = multiprocessing.get_context("forkserver")

#: 24 trials in `make test`; TERRITORIA_KILL_TRIALS raises it (docs/reliability.md reports longer runs)
TRIALS = int(os.environ.get("TERRITORIA_KILL_TRIALS", "24"))
INDICATORS = ["population_1jan", "population_avg"]


def state(path: Path) -> str:
    """Digest of what a reader sees: observations, history and finished imports."""
    with Store(path, read_only=True) as store:
        obs = store.query("SELECT unit, indicator, year, value, source_id FROM observations "
                          "ORDER BY unit, indicator, year")
        hist = store.query("SELECT unit, indicator, year, value FROM observation_history "
                           "ORDER BY unit, indicator, year")
        imports = store.query("SELECT file, rows_read, rows_new, rows_revised FROM imports "
                              "WHERE finished_at IS NOT NULL ORDER BY file")
        unfinished = store.query("SELECT count(*) AS n FROM imports WHERE finished_at IS NULL")["n"].iloc[0]
    assert unfinished == 0, "an unfinished import is visible"
    text = obs.to_csv(index=False) + hist.to_csv(index=False) + imports.to_csv(index=False)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    units = bundled_units()
    codes = units.loc[units["level"] == "region", "code"].astype(str).tolist()[:20]
    path = tmp_path_factory.mktemp("kill") / "base.duckdb"
    with Store(path) as store:
        store.put_units(units)
        store.sync_catalogue()
        old = synthetic_rows(codes, INDICATORS, range(2010, 2025), shift=0.0)
        import_observations(store, old, file="synthetic-old.csv", file_sha256="synthetic-old",
                            source_id="synthetic:hardening")
    return path, ",".join(codes)


def _run(copy: Path, codes: str, delay: float | None) -> tuple[str, float]:
    receive, send = FORKSERVER.Pipe(duplex=False)
    proc = FORKSERVER.Process(target=kill_worker.child, args=(str(copy), codes, ",".join(INDICATORS), send))
    proc.start()
    send.close()
    assert receive.poll(120), "the worker did not open the Store"  # a hang guard, not a measurement
    assert receive.recv() == "ready"
    receive.close()
    start = time.perf_counter()
    if delay is None:
        proc.join(timeout=60)
        assert proc.exitcode == 0, f"the uninterrupted import failed (exit code {proc.exitcode})"
        return "done", time.perf_counter() - start
    time.sleep(delay)
    proc.kill()  # SIGKILL
    proc.join(timeout=30)
    # a worker still alive holds the Store's lock (the check below would then fail to open it, not find a
    # mix); one that exited on an error of its own is a failed import, not a kill
    assert proc.exitcode is not None, "the worker still runs 30 s after SIGKILL"
    assert proc.exitcode in (0, -9), f"the import failed on its own (exit code {proc.exitcode})"
    return ("killed" if proc.exitcode == -9 else "finished"), delay


def test_sigkill_leaves_old_or_new_never_a_mix(base, tmp_path):
    FORKSERVER.set_forkserver_preload(kill_worker.PRELOAD)  # ignored if this process's forkserver already runs
    path, codes = base
    old = state(path)
    full = tmp_path / "full.duckdb"
    shutil.copy(path, full)
    _, duration = _run(full, codes, None)
    new = state(full)
    assert new != old

    rng = np.random.default_rng(20240512)
    delays = rng.uniform(0.0, 1.3 * duration, size=TRIALS)

    def trial(k: int) -> tuple[str, str]:
        copy = tmp_path / f"t{k}.duckdb"
        shutil.copy(path, copy)
        how, _ = _run(copy, codes, float(delays[k]))
        seen = state(copy)
        copy.unlink()
        return how, ("old" if seen == old else "new" if seen == new else "MIXED")

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(trial, range(TRIALS)))
    kinds = [o for _, o in outcomes]
    print(f"import {duration:.2f}s; {TRIALS} SIGKILL trials: {kinds.count('old')} old, {kinds.count('new')} new, "
          f"{kinds.count('MIXED')} mixed; {sum(h == 'killed' for h, _ in outcomes)} killed mid-run")
    assert "MIXED" not in kinds
    assert kinds.count("old") >= 3  # the kills did land during the import
