"""Fetch BNS dynamic tables into the Store: download (or a hand-downloaded file) → read → checks → import.

Nothing reaches the Store unless the whole table passed: the layout (else the cache is not touched either),
the unit matches and every sum check — or the user accepted the check failures, which are then written to
the import's log. The write is :func:`territoria.store.import_observations`: one transaction, a re-import of
the same bytes is a no-op, a changed value is refused unless ``revise`` (the old value goes to history).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from territoria.connectors.bns.download import download_export, from_file
from territoria.connectors.bns.errors import CheckFailedError
from territoria.connectors.bns.parse import parse_export
from territoria.connectors.bns.read import TableRead, read_table
from territoria.connectors.bns.registry import Registry, TableEntry
from territoria.connectors.taldau.cache import CachedResponse, RawCache
from territoria.store import ImportReport, Store, import_observations

__all__ = ["FetchOutcome", "failure_text", "fetch_table"]

MAX_LISTED = 30


@dataclass
class FetchOutcome:
    """What one table's fetch read, checked and stored."""

    entry: TableEntry
    source: CachedResponse
    read: TableRead
    rows: pd.DataFrame
    report: ImportReport | None = None
    notes: list[str] = field(default_factory=list)


def failure_text(read: TableRead, limit: int = MAX_LISTED) -> str:
    """The failed checks as lines: check, unit, year, printed total, sum of the parts, difference."""
    lines = []
    for f in read.failures.head(limit).itertuples():
        if f.check.endswith("sum of its districts") or f.check.endswith("sum of the regions"):
            lines.append(f"  - {f.check}: {f.name} ({f.code}) {f.year}: printed {f.printed:,.10g}, the "
                         f"{f.n_parts} part(s) sum to {f.parts_sum:,.10g} (difference {f.difference:+,.10g})")
        else:
            where = f" {f.year}" if f.year is not None and not pd.isna(f.year) else ""
            lines.append(f"  - {f.check}: {f.name or f.code}{where} {f.detail}".rstrip())
    more = len(read.failures) - limit
    return "\n".join(lines) + (f"\n  ... and {more} more" if more > 0 else "")


def fetch_table(entry: TableEntry, *, registry: Registry, cache: RawCache, store: Store,
                file: str | Path | None = None, url: str | None = None, offline: bool = False,
                revise: bool = False, accept_check_failures: bool = False, dry_run: bool = False,
                timeout: float = 60.0, retries: int = 2, sleep: Callable[[float], None] = time.sleep) -> FetchOutcome:
    """Download (or take ``file``), check and import one table into ``store`` (units and crosswalk read there).

    ``dry_run`` reads and checks without writing to the Store (the raw export is still cached); ``retries`` and
    ``sleep`` govern the retries of a failed download (:func:`~territoria.connectors.bns.download.download_export`).

    Raises
    ------
    DownloadError
        The export could not be downloaded (nothing cached or stored).
    LayoutError
        The body is not the published export (nothing cached or stored).
    CheckFailedError
        Sum checks failed or names did not match and ``accept_check_failures`` is False (nothing stored).
    BnsError
        The table has no catalogue id, or its unit cannot be converted.
    ConflictError
        Values differ from stored ones and ``revise`` is False (nothing stored).
    """
    def validate(body: bytes) -> object:
        return parse_export(body, entry=entry, where=f"{entry.describe()} ({where})")

    where = f"file {file}" if file is not None else (url or entry.url)
    if file is not None:
        source = from_file(entry, file, cache=cache, validate=validate)
    else:
        source = download_export(entry, cache=cache, validate=validate, url=url, timeout=timeout, offline=offline,
                                 retries=retries, sleep=sleep)
    units = store.units().reset_index()
    read = read_table(source.body, entry=entry, registry=registry, units=units, crosswalk=store.crosswalk(),
                      where=f"{entry.describe()} ({where}, sha256 {source.body_sha256[:16]})")
    notes = []
    if len(read.unnamed):
        notes.append(f"{len(read.unnamed)} row(s) print no unit name; not stored, not guessed (lines "
                     + ", ".join(str(v) for v in read.unnamed["line"].head(10)) + ")")
    codeless = read.blocks[read.blocks["code"].isna() & read.blocks["kind"].notna()]
    if len(codeless):
        notes.append(f"{int(codeless['n_rows'].sum())} row(s) of {len(codeless)} unit(s) without a code today, "
                     "counted in the sums, not stored: " + "; ".join(
                         f"{n} ({e})" for n, e in zip(codeless["name"], codeless["evidence"], strict=True)))
    if len(read.failures) and not accept_check_failures:
        raise CheckFailedError(f"{read.where}: {len(read.failures)} check failure(s); nothing of table {entry.table} "
                               "was stored:\n" + failure_text(read) + "\nIf the printed figures are what the "
                               "office published, rerun with --accept-check-failures (the failures are written "
                               "to the import's log).")
    if len(read.failures):
        notes.append(f"{len(read.failures)} check failure(s) accepted by the user:\n" + failure_text(read))
    source_id = f"bns:{entry.table}:{source.body_sha256[:16]}"
    rows = read.observations(catalogue=store.catalogue, source_id=source_id)
    outcome = FetchOutcome(entry, source, read, rows, notes=notes)
    if dry_run:
        return outcome
    fingerprint = hashlib.sha256(f"{source.body_sha256}|bns|{entry.table}|{registry.version}|"
                                 f"{accept_check_failures}".encode()).hexdigest()
    failures = read.failures.drop(columns=["detail"]).head(200).to_dict("records")
    outcome.report = import_observations(
        store, rows, file=f"BNS table {entry.table} ({entry.name_ru}): {source.url}, retrieved {source.fetched_at}, "
                          f"sha256 {source.body_sha256}",
        file_sha256=fingerprint, source_id=source_id, revise=revise,
        options={"bns_table": entry.table, "url": source.url, "retrieved_at": source.fetched_at,
                 "body_sha256": source.body_sha256, "registry_version": registry.version,
                 "accepted_check_failures": failures, "unnamed_rows": len(read.unnamed)})
    return outcome
