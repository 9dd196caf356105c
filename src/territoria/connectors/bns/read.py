"""One export from bytes to checked observations: parse → breakdown → match → checks (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from territoria.connectors.bns.checks import check_sums
from territoria.connectors.bns.errors import BnsError, LayoutError
from territoria.connectors.bns.match import match_units
from territoria.connectors.bns.parse import parse_export, select_breakdown
from territoria.connectors.bns.registry import Registry, TableEntry
from territoria.ingest.numbers import accepted_units, unit_factor

__all__ = ["TableRead", "read_table"]


@dataclass
class TableRead:
    """What one export holds once read: matched rows, block matches, checks, unnamed rows, unit."""

    entry: TableEntry
    where: str
    unit: str
    rows: pd.DataFrame
    blocks: pd.DataFrame
    checks: pd.DataFrame
    unnamed: pd.DataFrame
    unit_spelling: str | None = None

    @property
    def failures(self) -> pd.DataFrame:
        """The checks that failed (sum differences, unmatched names, orphans, conflicting duplicates)."""
        return self.checks[~self.checks["ok"].astype(bool)].reset_index(drop=True)

    def summary(self) -> str:
        sums = self.checks[self.checks["check"].str.contains("sum of", regex=False)]
        passed = int(sums["ok"].sum())
        return (f"{self.where}: {len(self.rows)} row(s) in {len(self.blocks)} unit block(s), years "
                f"{self.rows['year'].min()}-{self.rows['year'].max()}; {passed} of {len(sums)} sum check(s) exact; "
                f"{len(self.failures)} failure(s); {len(self.unnamed)} row(s) without a unit name (not stored)")

    def observations(self, *, catalogue, source_id: str) -> pd.DataFrame:
        """Rows for the Store: ``unit, indicator, year, value, source_id, note`` in the catalogue's unit.

        Only rows with a code at a level the registry lists; a (unit, year) printed twice with the same value
        is kept once. Raises :class:`BnsError` when the table has no catalogue id or its unit cannot be
        converted.
        """
        entry = self.entry
        if entry.indicator is None:
            raise BnsError(f"{self.where}: the registry names no catalogue indicator for table {entry.table}; "
                           "its values cannot be stored (add the indicator to the catalogue and the registry)")
        indicator = catalogue[entry.indicator]
        factor = unit_factor(indicator, self.unit_spelling) if self.unit_spelling else None
        if factor is None:
            raise LayoutError(f"{self.where}: the export's unit {self.unit!r} cannot be converted to "
                              f"{entry.indicator}'s unit (accepted: {accepted_units(indicator)}); nothing stored")
        keep = self.rows[self.rows["code"].notna() & self.rows["kind"].isin(entry.levels)]
        keep = keep.drop_duplicates(["code", "year"]).sort_values(["code", "year"])
        note = [f"BNS table {entry.table}, line {line}: {name}" + (f"; {self.unit} x {factor:g}" if factor != 1 else "")
                for line, name in zip(keep["line"], keep["name"], strict=True)]
        return pd.DataFrame({"unit": keep["code"].astype(str).to_numpy(), "indicator": entry.indicator,
                             "year": keep["year"].astype(int).to_numpy(),
                             "value": (keep["value"].astype(float) * factor).to_numpy(),
                             "source_id": source_id, "note": note})


def read_table(body: bytes, *, entry: TableEntry, registry: Registry, units: pd.DataFrame,
               crosswalk: pd.DataFrame | None, where: str | None = None) -> TableRead:
    """Parse, select the breakdown, match the units and run every check on one export of ``entry``."""
    where = where or entry.describe()
    export = parse_export(body, entry=entry, where=where)
    chosen = select_breakdown(export, entry=entry, total_labels=registry.total_labels, where=where)
    matched, blocks = match_units(chosen, units=units, crosswalk=crosswalk, variants=registry.names)
    checks = check_sums(matched, blocks)
    return TableRead(entry, where, export.unit, matched, blocks, checks, export.unnamed,
                     registry.unit_spelling(export.unit))
