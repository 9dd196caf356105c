"""Rebuild the bundled district panel (DST_BNS_* rows) from raw BNS exports with the connector's code.

Usage: ``python scripts/rebuild_district_panel.py RAW_DIR [OUT.csv]`` where RAW_DIR holds the exports as
``6584.csv``, ``6547.csv``, ``4289.csv``, ``5546.csv`` (as downloaded from stat.gov.kz or kept in a cache).
Prints every check failure of each table and every difference from the bundled panel; exits 1 when they differ.
The same as ``territoria data bns rebuild RAW_DIR -o OUT.csv --strict``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from territoria.catalog.catalogue import load_catalogue
from territoria.connectors.bns.fetch import failure_text
from territoria.connectors.bns.rebuild import bundled_panel, compare_panel, rebuild_panel
from territoria.connectors.bns.registry import load_registry
from territoria.ingest.bundled import bundled_alternates, bundled_crosswalk, bundled_observations, bundled_units


def main(raw_dir: Path, out: Path | None) -> int:
    registry = load_registry()
    exports = {t: (raw_dir / f"{t}.csv").read_bytes() for t, e in registry.tables.items()
               if e.bundle_source and (raw_dir / f"{t}.csv").is_file()}
    if not exports:
        print(f"{raw_dir}: no TABLE.csv export of a bundled table found", file=sys.stderr)
        return 2
    rows, reads = rebuild_panel(exports, registry=registry, units=bundled_units(), crosswalk=bundled_crosswalk(),
                                catalogue=load_catalogue())
    for read in reads.values():
        print(read.summary())
        if len(read.failures):
            print(failure_text(read, limit=100))
    if out is not None:
        rows.to_csv(out, index=False)
    bundle = bundled_panel(bundled_observations(), bundled_alternates(), registry)
    bundle = bundle[bundle["source_id"].isin({registry[t].bundle_source for t in exports})]
    diff = compare_panel(rows, bundle)
    if diff.empty:
        print(f"the rebuild equals the bundled panel: {len(rows)} rows")
        return 0
    print(diff.to_string(index=False))
    return 1


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None))
