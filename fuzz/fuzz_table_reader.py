"""Atheris fuzz target: :func:`territoria.ingest.readers.read_table` on arbitrary CSV and XLSX bytes.

Invariant: a :class:`ReadResult` or an :class:`~territoria.errors.InputFileError` (a
:class:`~territoria.errors.TerritoriaError` naming file, row, column and value); never another exception.
The first input byte picks the format (odd: XLSX, even: CSV); units are the bundled KATO units and the
indicators the package catalogue (real names, so fuzzed tables can match them).

Inputs go up to :data:`MAX_LEN` bytes (libFuzzer's default cap follows the corpus, some 4 KB: too short to
find a CSV field over the csv module's 128 KiB limit); ``-max_len=N`` on the command line overrides it. An
``.xlsx`` input also goes through profile recognition first, as the CLI's ``territoria import`` does.

Run (CI does a short run through ``tests/hardening/test_fuzz_smoke.py``)::

    .venv/bin/python fuzz/fuzz_table_reader.py fuzz/corpus/table_reader -max_total_time=600
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris
import pandas  # noqa: F401  (imported first: only territoria is instrumented)

with atheris.instrument_imports(include=["territoria"]):
    from territoria.catalog.catalogue import load_catalogue
    from territoria.errors import TerritoriaError
    from territoria.ingest.bundled import bundled_units
    from territoria.ingest.matching import NameMatcher
    from territoria.ingest.profiles import recognise
    from territoria.ingest.readers import read_table
    from territoria.ingest.tables import plan_layout  # noqa: F401  (instrumented with the reader)

CATALOGUE = load_catalogue()
UNITS = NameMatcher.for_units(bundled_units())
WORKDIR = Path(tempfile.mkdtemp(prefix="territoria-fuzz-"))
#: Largest input tried (bytes), unless -max_len is given.
MAX_LEN = 256 * 1024


def test_one_input(data: bytes) -> None:
    if not data:
        return
    path = WORKDIR / ("t.xlsx" if data[0] & 1 else "t.csv")
    path.write_bytes(data[1:])
    try:
        if path.suffix == ".xlsx":
            recognise(path)
        read_table(path, catalogue=CATALOGUE, units=UNITS)
    except TerritoriaError:
        pass
    finally:
        os.unlink(path)


def main() -> None:
    argv = sys.argv if any(a.startswith("-max_len=") for a in sys.argv) else [*sys.argv, f"-max_len={MAX_LEN}"]
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
