"""Atheris fuzz target: :func:`territoria.ingest.numbers.parse_number` on arbitrary text.

Invariant: the parser returns a finite float or ``None``, or raises :class:`NumberFormatError` (one of the
project's own errors); anything else is a crash. A parsed number survives a round trip through ``repr``.

Run (CI does a short run through ``tests/hardening/test_fuzz_smoke.py``)::

    .venv/bin/python fuzz/fuzz_numbers.py fuzz/corpus/numbers -max_total_time=600
"""

from __future__ import annotations

import math
import sys

import atheris

with atheris.instrument_imports(include=["territoria"]):
    from territoria.ingest.numbers import NumberFormatError, parse_number


#: Largest input tried (bytes), unless -max_len is given: long cells (a 10,000-digit number) included.
MAX_LEN = 64 * 1024


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    try:
        value = parse_number(text)
    except NumberFormatError:
        return
    if value is None:
        return
    if not isinstance(value, float) or not math.isfinite(value):
        raise AssertionError(f"parse_number({text!r}) gave {value!r}")
    if parse_number(repr(value)) != value:
        raise AssertionError(f"round trip of {value!r} from {text!r}")


def main() -> None:
    argv = sys.argv if any(a.startswith("-max_len=") for a in sys.argv) else [*sys.argv, f"-max_len={MAX_LEN}"]
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
