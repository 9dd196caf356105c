"""`territoria compute --engine dask --cluster ADDRESS` writes the same table as the local engine."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from territoria.interfaces.cli.app import app

SPEC = """
name: tiny
tree:
  index:
    children:
      a: {direction: 1}
      b: {direction: -1}
impute: {method: median}
normalise: {method: minmax}
grade: {method: quantiles, k: 3, labels: [low, mid, high]}
"""


def test_compute_on_the_cluster_equals_local(client, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    rows = "\n".join(f"{i:03d},{(i * 7) % 11},{'' if i % 5 == 0 else (i * 3) % 13}" for i in range(1, 40))
    data = tmp_path / "data.csv"
    data.write_text("code,a,b\n" + rows + "\n", encoding="utf-8")  # synthetic
    outputs = {}
    for engine in ("local", "dask"):
        out = tmp_path / f"{engine}.csv"
        args = ["compute", str(spec), "--data", str(data), "--id-column", "code", "-o", str(out), "--engine", engine]
        if engine == "dask":
            args += ["--cluster", client.scheduler.address]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        outputs[engine] = pd.read_csv(out, dtype={"code": str})
    pd.testing.assert_frame_equal(outputs["local"], outputs["dask"], rtol=0, atol=1e-12)


def test_export_parquet_then_assess_on_the_cluster(client, bundled_store_path, tmp_path):
    db = ["--db", str(bundled_store_path)]
    folder = tmp_path / "panel"
    res = CliRunner().invoke(app, [*db, "data", "export-parquet", str(folder), "--level", "region"])
    assert res.exit_code == 0, res.output
    assert (folder / "territoria.json").is_file() and any(folder.glob("year=*/part-0.parquet"))
    outputs = {}
    for engine in ("local", "dask"):
        out = tmp_path / f"{engine}.csv"
        args = [*db, "assess", "--no-uncertainty", "-o", str(out), "--engine", engine]
        if engine == "dask":
            args += ["--cluster", client.scheduler.address, "--parquet", str(folder)]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        outputs[engine] = pd.read_csv(out, dtype={"unit": str}).drop(columns=["name"], errors="ignore")
    pd.testing.assert_frame_equal(outputs["local"], outputs["dask"], rtol=0, atol=1e-12)
    res = CliRunner().invoke(app, [*db, "assess", "--parquet", str(folder)])
    assert res.exit_code != 0 and "--engine dask" in res.output
