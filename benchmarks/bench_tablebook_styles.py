"""The cell styles of a table workbook: CPU time of three ways to give write-only cells a number format.

``python -m benchmarks.bench_tablebook_styles [ROWS]`` writes ROWS (default 100,000) x 8 columns of SYNTHETIC
seeded normal numbers, each column with its own number format, and saves the workbook, three ways:
``private`` (copy a template cell's ``_style`` array), ``public`` (``cell.number_format = ...`` on every cell,
what :mod:`territoria.report.tablebook` does) and ``named`` (a ``NamedStyle`` registered once, assigned by name).
Measured 2026-12-07 on the shared 2-core machine under load (CPU s, two or three runs each): private 23.6-27.8,
public 25.1-28.9, named 29.2-33.2.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import NamedStyle

FORMATS = ("#,##0.0", "#,##0.00", "0", "#,##0", "#,##0.000", "#,##0.0", "#,##0.00", "0")


def _rows(n: int) -> list[tuple[float, ...]]:
    values = np.random.default_rng(20261207).normal(size=(n, len(FORMATS))) * 1000
    return [tuple(r) for r in values.tolist()]


def _write(way: str, rows: list[tuple[float, ...]], path: Path) -> float:
    book = Workbook(write_only=True)
    ws = book.create_sheet("t")
    start = time.process_time()
    if way == "named":
        for k, fmt in enumerate(FORMATS):
            book.add_named_style(NamedStyle(name=f"fmt{k}", number_format=fmt))
    templates = []
    for fmt in FORMATS:
        cell = WriteOnlyCell(ws, None)
        cell.number_format = fmt
        templates.append(cell)
    for row in rows:
        cells = []
        for k, value in enumerate(row):
            cell = WriteOnlyCell(ws, value)
            if way == "private":
                cell._style = templates[k]._style
            elif way == "named":
                cell.style = f"fmt{k}"
            else:
                cell.number_format = FORMATS[k]
            cells.append(cell)
        ws.append(cells)
    book.save(path)
    return time.process_time() - start


def run(n_rows: int = 100_000) -> dict[str, float]:
    rows = _rows(n_rows)
    with tempfile.TemporaryDirectory() as tmp:
        return {way: _write(way, rows, Path(tmp) / f"{way}.xlsx") for way in ("private", "public", "named")}


if __name__ == "__main__":
    for name, seconds in run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000).items():
        print(f"{name:8s} {seconds:6.1f} s CPU")
