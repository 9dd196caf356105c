"""A regression table in the usual layout: coefficients with stars, standard errors in parentheses,
fixed effects, N and R², one column per model. Text and HTML renderings are returned as strings;
write the frame itself to XLSX/CSV with :func:`territoria.interfaces.output.write_table`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from territoria.economy._checks import EconomyInputError
from territoria.economy.regression import PanelFit

__all__ = ["STAR_LEVELS", "regression_table", "table_html", "table_text"]

#: p-value thresholds of *, **, ***.
STAR_LEVELS = (0.10, 0.05, 0.01)


def _stars(p: float, levels: Sequence[float]) -> str:
    return "*" * sum(p < level for level in levels)


def regression_table(fits: Sequence[PanelFit], *, names: Sequence[str] | None = None, digits: int = 3,
                     stars: Sequence[float] = STAR_LEVELS, terms: Sequence[str] | None = None) -> pd.DataFrame:
    """Build the table as a DataFrame of strings.

    Rows: for each term a coefficient row (``0.424***``) and a standard-error row (``(0.140)``, label
    empty), then ``Fixed effects``, ``Standard errors``, ``N``, ``R2``, ``Within R2``. Columns: ``term``
    and one per model (``(1)``, ``(2)``… unless ``names``). A term absent from a model is blank.
    """
    if not fits:
        raise EconomyInputError("fits: no model to tabulate")
    if names is not None and len(names) != len(fits):
        raise EconomyInputError(f"names: {len(names)} names for {len(fits)} models")
    labels = list(names) if names is not None else [f"({k + 1})" for k in range(len(fits))]
    if terms is None:
        order: list[str] = []
        for fit in fits:
            order.extend(t for t in fit.coefficients.index if t not in order)
    else:
        order = list(terms)
    fmt = f"{{:.{digits}f}}"
    rows: list[list[str]] = []
    for term in order:
        coef_row, se_row = [term], [""]
        for fit in fits:
            if term in fit.coefficients.index:
                c = fit.coefficients.loc[term]
                coef_row.append(fmt.format(c["estimate"]) + _stars(c["p_value"], stars))
                se_row.append("(" + fmt.format(c["std_error"]) + ")")
            else:
                coef_row.append("")
                se_row.append("")
        rows += [coef_row, se_row]
    rows.append(["Fixed effects", *[", ".join(f.fixed_effects) or "none" for f in fits]])
    rows.append(["Standard errors", *[f.vcov for f in fits]])
    rows.append(["N", *[str(f.nobs) for f in fits]])
    rows.append(["R2", *[fmt.format(f.r2) for f in fits]])
    rows.append(["Within R2", *[fmt.format(f.r2_within) for f in fits]])
    table = pd.DataFrame(rows, columns=["term", *labels])
    levels = sorted(stars, reverse=True)
    table.attrs["footnote"] = ("Standard errors in parentheses. "
                               + ", ".join(f"{'*' * (k + 1)} p<{lvl:g}" for k, lvl in enumerate(levels)) + ".")
    return table


def table_text(table: pd.DataFrame) -> str:
    """Plain-text rendering with aligned columns and rules above and below the body."""
    cells = [list(map(str, table.columns)), *table.astype(str).values.tolist()]
    widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]

    def line(row: list[str]) -> str:
        padded = [c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(padded)

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    body = [line(r) for r in cells[1:]]
    n_stats = 5
    out = [rule, line(cells[0]), rule, *body[:-n_stats], rule, *body[-n_stats:], rule]
    if table.attrs.get("footnote"):
        out.append(table.attrs["footnote"])
    return "\n".join(out) + "\n"


def table_html(table: pd.DataFrame, *, caption: str | None = None) -> str:
    """A standalone HTML ``<table>`` (escaped text; the footnote as ``<tfoot>``)."""

    def esc(v: object) -> str:
        return html.escape(str(v))

    parts = ['<table class="regression">']
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{esc(c) if c != 'term' else ''}</th>" for c in table.columns)
                 + "</tr></thead><tbody>")
    for row in table.itertuples(index=False):
        parts.append("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>")
    parts.append("</tbody>")
    if table.attrs.get("footnote"):
        parts.append(f'<tfoot><tr><td colspan="{table.shape[1]}">{esc(table.attrs["footnote"])}</td></tr></tfoot>')
    parts.append("</table>")
    return "\n".join(parts) + "\n"
