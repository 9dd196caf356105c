"""Reproducibility: a Result saved and reloaded reruns to byte-identical outputs; the same spec and seed give the
same ranks and digests in separate processes and with 1 or 2 threads; a Result reloaded under other library
versions says which library changed, from what to what.

Specs: the bundled vulnerability spec on the bundled REAL regional panel, and ``examples/svi_2020.yaml`` on the
CDC/ATSDR SVI 2020 county file (real data, examples/reference/svi).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from territoria.assess.io import read_wide_table
from territoria.assess.pipeline import Assessment
from territoria.assess.record import digest, library_versions
from territoria.assess.result import Result
from territoria.interfaces.output import write_table

ROOT = Path(__file__).resolve().parents[2]
SVI_SPEC = ROOT / "examples" / "svi_2020.yaml"
SVI_DATA = ROOT / "examples" / "reference" / "svi" / "SVI2020_US_COUNTY.csv.gz"


def _vulnerability(bundled_store_path):
    from territoria.assess.spec import default_spec_path
    from territoria.store import Store

    with Store(bundled_store_path, read_only=True) as store:
        panel = store.panel(level="region")
    return Assessment(default_spec_path()), panel


def _svi(_):
    return Assessment(SVI_SPEC), read_wide_table(SVI_DATA, "FIPS")


CASES = {"vulnerability_regions": _vulnerability, "svi_2020": _svi}


def _outputs(result: Result, directory: Path) -> dict[str, bytes]:
    """Every file a run leaves: the saved Result (parquet tables, JSON without timings) and the output table."""
    result.save(directory / "result")
    write_table(result.output_table(), directory / "output.csv")
    write_table(result.output_table(), directory / "output.parquet")
    files = {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
    meta = json.loads(files.pop("result/result.json"))
    for record in meta["log"]:
        record.pop("seconds")  # wall-clock time of each step: the one thing a rerun may change
    files["result/result.json (without seconds)"] = json.dumps(meta, sort_keys=True).encode()
    return files


def _digests(result: Result) -> dict[str, str]:
    return {"data": result.data_sha256, **{f"table:{k}": digest(v) for k, v in sorted(result.tables.items())},
            **{f"step:{r.address}": r.output_digest for r in result.log}}


@pytest.mark.parametrize("case", sorted(CASES))
def test_saved_and_reloaded_result_reruns_to_identical_bytes(case, bundled_store_path, tmp_path):
    assessment, data = CASES[case](bundled_store_path)
    first = assessment.run(data)
    files_a = _outputs(first, tmp_path / "a")
    loaded = Result.load(tmp_path / "a" / "result")
    assert loaded.spec == first.spec and loaded.data_sha256 == first.data_sha256
    for name, table in first.tables.items():  # the reload itself loses nothing
        assert digest(loaded.tables[name]) == digest(table), name
    again = Assessment(loaded.spec).run(data)
    files_b = _outputs(again, tmp_path / "b")
    assert sorted(files_a) == sorted(files_b)
    for name in files_a:
        assert files_a[name] == files_b[name], f"{case}: {name} differs after save, reload and rerun"
    assert _digests(again) == _digests(first)
    assert first.rerun().tables["ranks"].equals(first.tables["ranks"])


CHILD = r"""
import hashlib, json, sys
from territoria.assess.pipeline import Assessment
from territoria.assess.record import digest
from territoria.assess.spec import default_spec_path
from territoria.store import Store

threads = int(sys.argv[2])
from threadpoolctl import threadpool_limits
with threadpool_limits(limits=threads), Store(sys.argv[1], read_only=True) as store:
    panel = store.panel(level="region")
    result = Assessment(default_spec_path()).run(panel)
    u = result.uncertainty(n_replications=48, seed=20250101, n_jobs=threads)   # the analysis' threads
print(json.dumps({"ranks": result.ranks.astype(int).to_dict(), "result": digest(result.tables["aggregated"]),
                  "data": result.data_sha256, "log": [r.output_digest for r in result.log],
                  "u_ranks": digest(u.ranks), "u_sensitivity": digest(u.sensitivity),
                  "u_design": digest(u.design.astype(str)), "u_weights": digest(u.weights)}))
"""


def _child(bundled_store_path, threads: int, hash_seed: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "OMP_NUM_THREADS": str(threads),
           "OPENBLAS_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(bundled_store_path), str(threads)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_same_spec_and_seed_in_separate_processes_and_thread_counts(bundled_store_path):
    """Three processes (1 thread, 1 thread with another hash seed, 2 threads): identical ranks and digests,
    uncertainty analysis included (48 replications)."""
    pytest.importorskip("threadpoolctl")
    runs = {label: _child(bundled_store_path, threads, seed)
            for label, threads, seed in [("1 thread", 1, "1"), ("1 thread, other process", 1, "2"),
                                         ("2 threads", 2, "3")]}
    out = {}
    for label, proc in runs.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{label}: {stderr[-2000:]}"
        out[label] = json.loads(stdout.strip().splitlines()[-1])
    reference = out["1 thread"]
    assert len(reference["ranks"]) == 14
    for label, got in out.items():
        for key in reference:
            assert got[key] == reference[key], f"{label}: {key} differs from the 1-thread process"


def test_reloaded_under_other_versions_warns_naming_library_and_both_versions(tmp_path, monkeypatch):
    assessment, data = _svi(None)
    result = assessment.run(data.head(200))
    assert set(result.versions) >= {"python", "territoria", "numpy", "pandas", "scipy", "pydantic", "pyarrow"}
    assert result.versions == library_versions()
    saved = result.save(tmp_path / "r")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Result.load(saved)  # same versions: silent
    # the versions recorded in the file differ from the running ones
    meta = json.loads((saved / "result.json").read_text(encoding="utf-8"))
    meta["versions"]["numpy"] = "1.0.0"
    (saved / "result.json").write_text(json.dumps(meta), encoding="utf-8")
    now = library_versions()["numpy"]
    with pytest.warns(UserWarning, match="other library versions") as caught:
        loaded = Result.load(saved)
    text = str(caught[0].message)
    assert "numpy" in text and "1.0.0" in text and now in text and "pandas" not in text
    assert loaded.versions["numpy"] == "1.0.0"  # the record keeps what the run used
    # the running library differs from the recorded one (monkeypatched)
    meta["versions"]["numpy"] = now
    (saved / "result.json").write_text(json.dumps(meta), encoding="utf-8")
    monkeypatch.setattr("territoria.assess.result.library_versions",
                        lambda: {**library_versions(), "pandas": "9.9.9"})
    with pytest.warns(UserWarning) as caught:
        Result.load(saved)
    text = str(caught[0].message)
    assert "pandas" in text and "9.9.9" in text and meta["versions"]["pandas"] in text and "numpy" not in text


def test_output_bytes_do_not_depend_on_the_run(tmp_path):
    """Two runs in one process write the same CSV and Parquet bytes (no timestamps, no run ids in the files)."""
    assessment, data = _svi(None)
    digests = []
    for i in range(2):
        result = assessment.run(data)
        write_table(result.output_table(), tmp_path / f"{i}.csv")
        write_table(result.output_table(), tmp_path / f"{i}.parquet")
        digests.append([hashlib.sha256((tmp_path / f"{i}.{s}").read_bytes()).hexdigest() for s in ("csv", "parquet")])
    assert digests[0] == digests[1]
    assert pd.read_csv(tmp_path / "0.csv").shape[0] == len(data)
