"""Child process of the SIGKILL test: one import of synthetic rows into the Store it is given.

The values are **synthetic** (a deterministic function of position), labelled as such in the source id; they
are test data, not statistics. ``BATCH_ROWS`` is lowered so the import writes many batches.

:func:`child` runs in a process of its own, forked by a multiprocessing forkserver that has imported pandas,
DuckDB and the Store already (``PRELOAD``): a trial then costs the import it is killed in, not the 2 s of
CPU a fresh interpreter spends importing them. ``python kill_worker.py DB UNITS INDICATORS`` runs one import
in the foreground (by hand).
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

import pandas as pd

from territoria.catalog.catalogue import load_catalogue
from territoria.store import Store, import_observations, importing

load_catalogue()  # cached: parsed once in the forkserver (see PRELOAD), not in every forked child

#: Modules the forkserver imports once, before it forks the children.
PRELOAD = ["pandas", "duckdb", "territoria.store", "kill_worker"]


def synthetic_rows(units: list[str], indicators: list[str], years: range, shift: float) -> pd.DataFrame:
    rows = [{"unit": u, "indicator": i, "year": y, "value": float(k) + shift}
            for k, (u, i, y) in enumerate((u, i, y) for u in units for i in indicators for y in years)]
    return pd.DataFrame(rows)


def main(path: str, units: str, indicators: str, *, ready: Connection | None = None) -> None:
    importing.BATCH_ROWS = 50
    rows = synthetic_rows(units.split(","), indicators.split(","), range(1995, 2025), shift=0.5)
    with Store(path) as store:
        if ready is None:
            print("ready", flush=True)
        else:
            ready.send("ready")
        import_observations(store, rows, file="synthetic-new.csv", file_sha256="synthetic-new",
                            source_id="synthetic:hardening", revise=True)


def child(path: str, units: str, indicators: str, ready: Connection) -> None:
    """The forked child's target: the import, saying ``ready`` on ``ready`` once the Store is open."""
    main(path, units, indicators, ready=ready)


if __name__ == "__main__":
    main(*sys.argv[1:4])
