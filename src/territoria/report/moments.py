"""Dates and times written for a reader: "7 December 2026, 13:02 UTC", "7 декабря 2026 г., 13:02 UTC",
"2026 жылғы 7 желтоқсан, 13:02 UTC" rather than an ISO stamp."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

__all__ = ["moment"]

#: Month names (en, ru in the genitive a date takes, kk).
MONTHS = (
    ("January", "января", "қаңтар"), ("February", "февраля", "ақпан"), ("March", "марта", "наурыз"),
    ("April", "апреля", "сәуір"), ("May", "мая", "мамыр"), ("June", "июня", "маусым"),
    ("July", "июля", "шілде"), ("August", "августа", "тамыз"), ("September", "сентября", "қыркүйек"),
    ("October", "октября", "қазан"), ("November", "ноября", "қараша"), ("December", "декабря", "желтоқсан"),
)
_LANG = {"en": 0, "ru": 1, "kk": 2}


def moment(value: Any, lang: str = "en") -> str:
    """``value`` (ISO text, ``datetime`` or ``Timestamp``) as a date and a time to the minute in ``lang``.

    A time with a zone is shown in UTC and says so; a naive one (the Store records the server's clock)
    is shown as it is, without a zone the record does not give.
    """
    try:
        at = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a date and time: {value!r} (expected ISO 8601, e.g. 2026-12-07T13:02:11+00:00)"
                         ) from exc
    if pd.isna(at):
        raise ValueError(f"not a date and time: {value!r} (expected ISO 8601, e.g. 2026-12-07T13:02:11+00:00)")
    zone = ""
    if at.tzinfo is not None:
        at, zone = at.tz_convert(dt.UTC), " UTC"
    month = MONTHS[at.month - 1][_LANG.get(lang, 0)]
    clock = f"{at.hour:02d}:{at.minute:02d}{zone}"
    if lang == "ru":
        return f"{at.day} {month} {at.year} г., {clock}"
    if lang == "kk":
        return f"{at.year} жылғы {at.day} {month}, {clock}"
    return f"{at.day} {month} {at.year}, {clock}"
