"""``GET /api/import/template.{csv|xlsx}``: an empty upload table to fill in, for the upload page.

The template has the long layout ``territoria import`` reads (docs/data.md): columns ``unit`` (KATO code),
``name`` (the unit's name in the page's language), ``indicator`` (catalogue id), ``year`` and ``value``,
headed in the chosen language with header words the reader knows (``Код КАТО``, ``Показатель``, ``Год``...).
Its rows name real units of the Store (the first current units of the level, by code) and real catalogue
indicators of that level, with the latest year the Store holds for the level, and the ``value`` cells
EMPTY: nothing in it looks like data. The workbook has a second sheet listing the catalogue's indicators
of the level with their names and units in the chosen language.
"""

from __future__ import annotations

import io
from enum import StrEnum
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from territoria.report.i18n import t
from territoria.report.messages import indicator_name, unit_name

__all__ = ["TEMPLATE_COLUMNS", "TemplateFormat", "indicator_sheet", "router", "template_frame"]

TEMPLATE_COLUMNS = ("unit", "name", "indicator", "year", "value")
N_UNITS, N_INDICATORS = 3, 2  # the example rows: each of the first N_UNITS units × N_INDICATORS indicators
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BINARY = {"schema": {"type": "string", "format": "binary"}}

router = APIRouter(prefix="/api", tags=["api"])
Lang = Annotated[Literal["ru", "kk", "en"], Query(description="Language of names and texts.")]
Level = Annotated[Literal["region", "district"], Query(description="Units of the template's rows.")]


class TemplateFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


def _applies(indicator: Any, level: str) -> bool:
    if level not in indicator.levels:
        return False
    return indicator.applies_to == "all" or (indicator.applies_to == "regions_only" and level == "region")


def template_frame(units: pd.DataFrame, catalogue: Any, *, level: str, year: int, lang: str) -> pd.DataFrame:
    """The template's rows: the first current units of ``level`` (``units`` indexed by code, as
    ``Store.units``) × the first system indicators of the catalogue that apply to it, ``value`` empty;
    the headers are :data:`TEMPLATE_COLUMNS` in ``lang``."""
    current_now = units["valid_to"].fillna("").astype(str).str.strip().eq("")  # no end date: still on the map
    kato = units.index.to_series().astype(str).str.fullmatch(r"\d{9}")  # real KATO codes, not X_... stand-ins
    current = units[(units["level"] == level) & current_now & kato].sort_index().head(N_UNITS)
    indicators = [i.id for i in catalogue.system() if _applies(i, level)][:N_INDICATORS]
    rows = [{"unit": code, "name": current.at[code, f"name_{lang}"] or current.at[code, "name_ru"],
             "indicator": ind, "year": year, "value": None} for code in current.index for ind in indicators]
    frame = pd.DataFrame(rows, columns=list(TEMPLATE_COLUMNS)).astype({"unit": str, "year": int, "value": object})
    return frame.rename(columns={c: t(f"tpl_h_{c}", lang) for c in TEMPLATE_COLUMNS})


def indicator_sheet(catalogue: Any, *, level: str, lang: str) -> pd.DataFrame:
    """The catalogue's indicators of ``level``: id, name and unit of measure in ``lang`` (headers in ``lang``)."""
    # Kazakh names and units from the catalogue or its Kazakh overlay (the reports' words), not Russian ones
    rows = [(i.id, indicator_name(i, lang), unit_name(i, lang)) for i in catalogue if _applies(i, level)]
    return pd.DataFrame(rows, columns=[t("tpl_col_indicator", lang), t("tpl_col_name", lang),
                                       t("tpl_col_unit", lang)])


@router.get("/import/template.{fmt}", response_class=Response, responses={200: {
    "description": "An empty upload table (CSV, or XLSX with a second sheet of the indicators)",
    "content": {"text/csv": {"schema": {"type": "string"}}, _XLSX: _BINARY}}})
def import_template(request: Request, fmt: TemplateFormat, level: Level = "region", lang: Lang = "ru") -> Response:
    """A table to fill in and upload (``POST /api/import``): columns unit (KATO code), name, indicator (id),
    year and value; example rows with real units and indicator ids and empty values. The XLSX has a second
    sheet listing the catalogue's indicators of the level with their names and units in ``lang``."""
    ctx = request.app.state.ctx
    with ctx.store() as store:
        units, catalogue = ctx.units(store, level=level), store.catalogue
        latest = store.query("SELECT max(o.year) AS y FROM observations o JOIN units u ON u.code = o.unit "
                             "WHERE u.level = ?", [level])["y"].iloc[0]
    year = int(latest) if pd.notna(latest) else int(pd.Timestamp.now().year) - 1
    frame = template_frame(units, catalogue, level=level, year=year, lang=lang)
    stem = f"territoria_template_{level}_{lang}"
    if fmt is TemplateFormat.csv:
        content = frame.to_csv(index=False).encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8
        media = "text/csv; charset=utf-8"
    else:
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name=t("tpl_sheet_data", lang), index=False)
            indicator_sheet(catalogue, level=level, lang=lang).to_excel(
                writer, sheet_name=t("tpl_sheet_indicators", lang), index=False)
        content, media = buffer.getvalue(), _XLSX
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt.value}"'})
