"""Words of the web pages kept in the message catalogues (``page.*`` keys of
``report/messages/{ru,kk,en}.yaml``): language names, the chart toolbar, the grade scale of an assessment
table and the administrators' tables."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from territoria.report.messages import messages

__all__ = ["admin_table", "page_words", "scale_words"]

_PREFIX = "page."


def page_words(lang: str) -> dict[str, str]:
    """Every ``page.*`` word in ``lang`` (English where the language has none), keyed without ``page.``."""
    en, own = messages("en")["messages"], messages(lang)["messages"]
    return {k[len(_PREFIX):]: str(own.get(k, v)) for k, v in en.items() if k.startswith(_PREFIX)}


_SCALE = re.compile(r"^(?:(?P<thresholds>fixed thresholds)|(?P<relative>relative to national)"
                    r"|(?P<quantiles>quantiles) \((?P<qn>\d+)\)|(?P<jenks>Jenks breaks) \((?P<jn>\d+)\))$")


def scale_words(text: Any, lang: str) -> Any:
    """The few words of a grade scale (``describe_scale(..., short=True)``) in ``lang``; other text as it is."""
    found = _SCALE.match(str(text)) if isinstance(text, str) else None
    if found is None:
        return text
    kind = next(k for k in ("thresholds", "relative", "quantiles", "jenks") if found.group(k))
    n = found.group("qn") or found.group("jn") or ""
    return page_words(lang)[f"scale.{kind}"].replace("{n}", n)


def admin_table(frame: pd.DataFrame, lang: str, *, roles: dict[str, str]) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of a users or audit table for the admin page: columns, roles, yes/no and the
    audit's actions in ``lang`` (an unknown column or action stays as the Store writes it)."""
    pw = page_words(lang)
    headers = [pw.get(f"admin.{c}", str(c)) for c in frame.columns]

    def cell(column: str, value: Any) -> Any:
        if isinstance(value, (bool, np.bool_)):
            return pw["yes"] if value else pw["no"]
        if column == "role":
            return roles.get(f"role_{value}", value)
        if column == "action":
            return pw.get(f"action.{value}", value)
        return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else value

    rows = [[cell(str(c), v) for c, v in zip(frame.columns, row, strict=True)]
            for row in frame.itertuples(index=False, name=None)]
    return headers, rows
