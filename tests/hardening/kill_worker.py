"""Subprocess for the SIGKILL test: one import of synthetic rows into the Store given on the command line.

The values are **synthetic** (a deterministic function of position), labelled as such in the source id; they
are test data, not statistics. ``BATCH_ROWS`` is lowered so the import writes many batches.
"""

from __future__ import annotations

import sys

import pandas as pd

from territoria.store import Store, import_observations, importing


def synthetic_rows(units: list[str], indicators: list[str], years: range, shift: float) -> pd.DataFrame:
    rows = [{"unit": u, "indicator": i, "year": y, "value": float(k) + shift}
            for k, (u, i, y) in enumerate((u, i, y) for u in units for i in indicators for y in years)]
    return pd.DataFrame(rows)


def main(path: str, units: str, indicators: str) -> None:
    importing.BATCH_ROWS = 50
    rows = synthetic_rows(units.split(","), indicators.split(","), range(1995, 2025), shift=0.5)
    with Store(path) as store:
        print("ready", flush=True)
        import_observations(store, rows, file="synthetic-new.csv", file_sha256="synthetic-new",
                            source_id="synthetic:hardening", revise=True)
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
