"""``python -m benchmarks`` (or ``make bench``): run both benchmarks and print their figures.

``--quick`` runs tiny sizes (a smoke run, not a measurement). ``--dask`` runs benchmark (d) only (Dask);
``--units N`` sets the size of its assessment (default 10,000,000) and ``--assessment-only`` leaves out
its Monte-Carlo part; ``--timeline FILE``
writes each worker's RSS samples (FILE) and the task spans (FILE with ``.tasks.csv``) of the assessment.
"""

from __future__ import annotations

import os
import platform
import sys

import numpy as np
import pandas as pd

from benchmarks import bench_border, bench_pipeline, bench_uncertainty


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            kb = int(next(line.split()[1] for line in fh if line.startswith("MemTotal")))
        mem = f", {kb / 2**20:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return (f"{model}, {os.cpu_count()} cores{mem}; Python {platform.python_version()}, "
            f"NumPy {np.__version__}, pandas {pd.__version__}")


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    print(f"machine: {machine()}")
    if "--dask" in argv:
        from benchmarks import bench_dask

        units = int(argv[argv.index("--units") + 1]) if "--units" in argv else None
        timeline = argv[argv.index("--timeline") + 1] if "--timeline" in argv else None
        bench_dask.main(quick, n_units=units, assessment_only="--assessment-only" in argv, timeline=timeline)
        return 0
    if quick:
        a = bench_pipeline.run(n_units=2_000, repeats=1, pandas_repeats=1)
        b = bench_uncertainty.run(n_units=2_000, n_replications=70, pandas_replications=3)
    else:
        a = bench_pipeline.run()
        b = bench_uncertainty.run()
    print(bench_pipeline.describe(a))
    print(bench_uncertainty.describe(b))
    print(bench_border.describe(bench_border.run(n_points=2_000 if quick else 100_000)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
