"""The JSON API under ``/api/`` (the pages call these same endpoints)."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import threading
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from territoria.errors import TerritoriaError
from territoria.ingest.matching import NameMatcher
from territoria.ingest.profiles import read_with_profile, recognise
from territoria.ingest.readers import read_table
from territoria.report import monitoring as mon
from territoria.report import render, service
from territoria.report.charts import radar
from territoria.report.document import Document, frame_to_json, profile_document, ranking_document
from territoria.report.error_text import error_text, import_text
from territoria.report.i18n import words
from territoria.report.messages import Translator
from territoria.report.moments import moment
from territoria.store import import_observations
from territoria.web.accounts import audit
from territoria.web.assessments import ASSESSMENT_REF_PATTERN, AssessmentName, describe
from territoria.web.limits import read_upload
from territoria.web.refusals import Refusal

__all__ = ["router"]

_ERROR = {"content": {"application/json": {"schema": {"type": "object", "properties": {"detail": {}}}}}}
router = APIRouter(prefix="/api", tags=["api"], responses={
    404: {"description": "Unknown unit, region or unit list", **_ERROR},
    401: {"description": "Login required: `Authorization: Bearer TOKEN` or a session from /login", **_ERROR},
    403: {"description": "The user's role does not allow this, or the CSRF token is missing", **_ERROR},
    422: {"description": "Invalid request, data or spec (the message says what and where)", **_ERROR},
    503: {"description": "The Store stayed locked by another process (an import), or the PDF printers are "
                         "busy; retry after Retry-After s",
          **_ERROR}})
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_FILES = {200: {"description": "The report as a file: HTML, PDF or XLSX (by the format in the path)", "content": {
    "text/html": {"schema": {"type": "string"}}, "application/pdf": _BINARY,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _BINARY}}}
_CODE_LINKS = {"profile": "getUnitProfile", "report": "getUnitReport"}  # OpenAPI links: a code in a response


def _links(pointer: str) -> dict[int, Any]:
    return {200: {"links": {f"Unit{name.title()}": {
        "operationId": op, "parameters": {"code": f"$response.body#{pointer}"},
        "description": f"The {name} of the first unit listed"} for name, op in _CODE_LINKS.items()}}}
Lang = Annotated[Literal["ru", "kk", "en"], Query(description="Language of names and texts.")]
UNIT_PATTERN = r"^[0-9A-Za-z_]{1,20}$"
UnitCode = Annotated[str, PathParam(pattern=UNIT_PATTERN, description="Unit code (KATO)")]


class Format(StrEnum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


def _ctx(request: Request) -> Any:
    return request.app.state.ctx


def _profile(ctx: Any, store: Any, code: str, lang: str, assessment: str | None) -> Document:
    result = ctx.result(store, name=assessment, unit=code) if assessment is not None else None
    return ctx.cached(("profile", code, lang, assessment),
                      lambda: profile_document(store, code, lang=lang, result=result))


def _ranking(ctx: Any, store: Any, lang: str, scope: str | None, assessment: str | None) -> Document:
    result = ctx.result(store, name=assessment)
    return ctx.cached(("ranking", lang, scope, assessment),
                      lambda: ranking_document(store, lang=lang, scope=scope, result=result))


def _file(request: Request, doc: Document, fmt: Format, stem: str) -> Response:
    if fmt is Format.html:
        return HTMLResponse(render.to_html(doc))
    with tempfile.TemporaryDirectory(prefix="territoria-report-") as tmp:
        path = Path(tmp) / f"report.{fmt.value}"
        if fmt is Format.pdf:  # Chromium: a bounded pool, a queue, a timeout (territoria.web.render_pool)
            request.app.state.pdf_pool.render(render.to_pdf, render.to_html(doc, static=True), path)
            media = "application/pdf"
        else:
            render.to_xlsx(doc, path)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        content = path.read_bytes()
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt.value}"'})


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    """Whether the Store opens, and what it holds."""
    ctx = _ctx(request)
    with ctx.store() as store:
        return {"status": "ok", "counts": store.counts(), "bad_cells": bad_cells(ctx, store)}


def bad_cells(ctx: Any, store: Any, unit: str | None = None) -> list[dict[str, Any]]:
    """Stored cells no page uses (infinite, or outside the catalogue's plausible range: a Store written
    before the import checks), so that a page can say which ones it left out; scanned once per Store
    version, not on every request."""
    table = ctx.cached(("bad_cells",), store.bad_cells)
    if unit is not None:
        table = table[table["unit"] == unit]
    table = table.assign(value=table["value"].astype(str))       # inf and 1e300 are not JSON numbers
    return table[["unit", "indicator", "year", "value", "expected"]].to_dict(orient="records")


@router.get("/words")
def interface_words(lang: Lang = "en") -> dict[str, str]:
    """The interface's words in one language."""
    return words(lang)


@router.get("/units", responses=_links("/rows/0/0"))
def units(request: Request, lang: Lang = "en",
          level: Annotated[Literal["country", "region", "district", "rural_district", "settlement"] | None,
                           Query()] = None,
          q: Annotated[str | None, Query(max_length=100)] = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> dict[str, Any]:
    """Units of the Store (code, name, level, parent), filtered by level and a name fragment."""
    ctx = _ctx(request)
    with ctx.store() as store:
        table = ctx.units(store, level=level).reset_index(names="code")
    name = f"name_{lang}"
    if q:
        needle = q.casefold()
        hit = pd.Series(False, index=table.index)
        for col in ("code", "name_en", "name_ru", "name_kk"):
            hit |= table[col].astype(str).str.casefold().str.contains(needle, regex=False, na=False)
        table = table[hit]
    return frame_to_json(table[["code", name, "level", "parent"]].rename(columns={name: "name"}).head(limit))


@router.get("/ranking", responses=_links("/sections/3/table/rows/0/0"))  # the watch list's first unit
def ranking(request: Request, lang: Lang = "en",
            scope: Annotated[str | None, Query(max_length=100, description="Region code or unit list")] = None,
            assessment: AssessmentName = None) -> dict[str, Any]:
    """Ranking of the regions (or of the units of ``assessment``) with rank intervals, the map, the
    distribution of levels and the watch list."""
    ctx = _ctx(request)
    with ctx.store() as store:  # one open per request: the document, what it rates, the cells left out
        doc = _ranking(ctx, store, lang, scope, assessment)
        return {**doc.to_dict(), "assessment": describe(ctx.result(store, name=assessment)),
                "bad_cells": bad_cells(ctx, store)}


@router.get("/ranking/report.{fmt}", response_class=Response, responses=_FILES)
def ranking_report(request: Request, fmt: Format, lang: Lang = "en",
                   scope: Annotated[str | None, Query(max_length=100)] = None,
                   assessment: AssessmentName = None) -> Response:
    """The ranking report as a file (HTML, PDF or XLSX)."""
    ctx = _ctx(request)
    with ctx.store() as store:
        doc = _ranking(ctx, store, lang, scope, assessment)
    return _file(request, doc, fmt, f"ranking_{scope or assessment or 'regions'}_{lang}")


@router.get("/units/{code}/profile", operation_id="getUnitProfile")
def profile(request: Request, code: UnitCode, lang: Lang = "en", assessment: AssessmentName = None,
            ) -> dict[str, Any]:
    """A unit's profile: status, rank with interval (nationally and within its region), sub-indices,
    indicators by year, trends, groups, type, weaknesses, risk flags, mechanisms by horizon; in
    ``assessment`` or the latest assessment of the unit's own level (its region's as context when none)."""
    ctx = _ctx(request)
    with ctx.store() as store:
        return {**_profile(ctx, store, code, lang, assessment).to_dict(), "bad_cells": bad_cells(ctx, store, code)}


@router.get("/units/{code}/report.{fmt}", operation_id="getUnitReport", response_class=Response, responses=_FILES)
def profile_report(request: Request, code: UnitCode, fmt: Format,
                   lang: Lang = "en", assessment: AssessmentName = None) -> Response:
    """A unit's profile as a file (HTML, PDF or XLSX)."""
    ctx = _ctx(request)
    with ctx.store() as store:
        doc = _profile(ctx, store, code, lang, assessment)
    return _file(request, doc, fmt, f"profile_{code}_{lang}")


@router.get("/compare")
def compare(request: Request, units: Annotated[list[str], Query(min_length=2, max_length=10)],
            lang: Lang = "en", assessment: AssessmentName = None) -> dict[str, Any]:
    """Units side by side (status, region, rank, sub-indices, shared indicators) and a radar of the regions."""

    ctx = _ctx(request)
    with ctx.store() as store:
        known = store.units(codes=units)
        missing = [u for u in units if u not in known.index]
        if missing:
            raise Refusal(404, f"unknown unit code(s): {missing}", "error.web.unknown_units", codes=", ".join(missing))
        result = ctx.result(store, name=assessment)
        table = service.comparison(store, list(dict.fromkeys(units)) if len(set(units)) > 1 else units,
                                   lang=lang, result=result)
        tr = Translator(lang, catalogue=store.catalogue)
        frame = result.to_frame()
        # a unit without scores of its own is drawn with its region's, and the legend says whose they are
        drawn = {code: code if code in frame.index else service.region_of_unit(code, frame.index)
                 for code in dict.fromkeys(units)}
        names = store.units(codes=sorted({*drawn, *(r for r in drawn.values() if r in frame.index)}))
    if lang != "en":  # English keeps the item codes clients already read
        table = _compare_words(table, tr)

    def name_of(code: str) -> str:  # in the page's language; Russian when a place has no name in it
        row = names.loc[code]
        own = row.get(f"name_{lang}")
        return str(own if isinstance(own, str) and own else row["name_ru"] if isinstance(row["name_ru"], str) else code)

    blocks = [c for c in frame.columns if c not in ("rank", "level", "scale", result.root)]
    figs = []
    for code, region in drawn.items():
        if region in frame.index:
            label = name_of(code) if region == code else f"{name_of(code)} ({name_of(region)})"
            figs.append(radar({b: float(frame.at[region, b]) for b in blocks}, name=label,
                              labels={b: tr.term("block", b) for b in blocks}))
    figure = None
    if figs:
        figure = figs[0]
        for extra in figs[1:]:
            figure.add_traces(extra.data)

    return {"table": frame_to_json(table, lang), "figure": json.loads(figure.to_json()) if figure else None}


def _compare_words(table: pd.DataFrame, tr: Any) -> pd.DataFrame:
    """The comparison's row labels and grade levels in the reader's words."""

    table = table.copy()
    labels = []
    for item in table["item"].astype(str):
        m = re.match(r"^(\w+) \((\d{4})\)$", item)
        if m:
            labels.append(f"{tr.indicator(m[1])} ({m[2]})")
        elif item in ("status", "region_rank", "region_level"):
            labels.append(tr.header({"status": "status_label"}.get(item, item)))
        elif item == "region":
            labels.append(tr.header("region_name"))
        else:
            labels.append(tr.header(item))
    levels = table["item"] == "region_level"
    for col in table.columns[1:]:
        table.loc[levels, col] = [tr.term("level", v) if isinstance(v, str) else v for v in table.loc[levels, col]]
    table["item"] = labels
    return table


@router.get("/monitoring")
def monitoring(request: Request, lang: Lang = "en") -> dict[str, Any]:
    """Adopted measures with their latest evaluation, and the early warnings (statuses and facts in
    ``lang``); ``last_evaluation`` is the latest re-evaluation run from the web (with what it changed)
    or, before any, the time of the latest evaluation recorded in the Store."""

    ctx = _ctx(request)
    with ctx.store() as store:
        tables = mon.board(store, lang=lang)
        recorded = mon.last_recorded(store)
    return {**{name: frame_to_json(table, lang) for name, table in tables.items()},
            "last_evaluation": _last_evaluation(ctx, lang, recorded)}


def _last_evaluation(ctx: Any, lang: str, recorded: str | None) -> dict[str, Any] | None:
    last = getattr(ctx, "last_evaluation", None)
    if last is None:
        return None if recorded is None else {"evaluated_at": recorded, "evaluated_at_text": moment(recorded, lang),
                                              "evaluations": None, "warnings": None, "changes": None}
    changes = mon.changes_text(Translator(lang), last["changes"])
    return {**{k: v for k, v in last.items() if k != "changes"},
            "evaluated_at_text": moment(last["evaluated_at"], lang), "changes": frame_to_json(changes, lang)}


@router.post("/monitoring/evaluate")
def monitoring_evaluate(request: Request, lang: Lang = "en",
                        as_of: Annotated[int | None, Query(ge=1990, le=2100, description="Evaluation year")] = None,
                        assessment: Annotated[str | None, Query(
                            pattern=ASSESSMENT_REF_PATTERN, description="A stored multi-year assessment with grades "
                            "whose levels raise the level warnings, NAME or NAME@VERSION (default: the regions' "
                            "composite)")] = None,
                        ) -> dict[str, Any]:
    """Re-evaluate the monitoring rules now (the steps of ``territoria monitor``): every active measure
    against the latest data, and the early warnings. Returns the board with ``last_evaluation``: when,
    how many evaluations and warnings were appended, and what changed."""

    ctx = _ctx(request)
    with ctx.store(write=True) as store:
        ctx.last_evaluation = mon.evaluate(store, as_of=as_of, assessment=assessment)
        audit(store, request, action="monitor.evaluate", target=assessment or "",
              detail=f"as_of={as_of}" if as_of is not None else "")
    return monitoring(request, lang=lang)


_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "CSV or XLSX table"}}}}}}}


@router.post("/import", openapi_extra=_UPLOAD_BODY, responses={
    400: {"description": "Malformed multipart body (no boundary, wrong boundary, truncated)", **_ERROR},
    413: {"description": "Upload larger than the limit", **_ERROR},
    415: {"description": "Not a multipart/form-data body", **_ERROR}})
async def import_file(request: Request, lang: Lang = "en") -> dict[str, Any]:
    """Import a table of observations (the checks and messages of ``territoria import``); all or nothing.
    A refused file's problems (file, sheet, row, column, value, what was expected) are worded in ``lang``.

    The body is a form with one file part named ``file``. The client's file name is only a label (a name
    with a path is refused): the bytes go to a fresh temporary file named by the server. Reading and name
    matching run in a worker thread, outside the Store's write (reads never wait for them); at most
    ``IMPORT_SLOTS`` uploads are processed at once, more get 503 with ``Retry-After``.
    """

    ctx = _ctx(request)
    upload = await read_upload(request, field="file", max_bytes=ctx.max_upload_bytes)
    if not _IMPORTS.acquire(blocking=False):
        raise Refusal(503, f"{IMPORT_SLOTS} uploads are being processed; retry shortly", "error.web.busy",
                      headers={"Retry-After": "5"}, n=IMPORT_SLOTS)
    try:
        return await run_in_threadpool(_import_upload, ctx, request, upload, lang)
    finally:
        _IMPORTS.release()


IMPORT_SLOTS = 2
_IMPORTS = threading.BoundedSemaphore(IMPORT_SLOTS)


def _import_upload(ctx: Any, request: Request, upload: Any, lang: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="territoria-upload-") as tmp:
        path = Path(tmp) / f"upload{upload.suffix}"
        path.write_bytes(upload.data)
        try:
            return _import(ctx, request, path, upload.label, lang)
        except TerritoriaError as exc:
            if lang == "en":
                raise HTTPException(422, str(exc).replace(str(path), upload.label)) from None
            raise HTTPException(422, error_text(exc, lang, file=upload.label)) from None


_MATCHERS: dict[str, NameMatcher] = {}  # the latest units table's matcher, by the table's digest


def _unit_matcher(units: pd.DataFrame) -> NameMatcher:
    """The name matcher of ``units``, built once per units table: folding every spelling of the ~14 000 units
    takes seconds, and importing observations never changes the units (the digest notices when they do)."""
    key = hashlib.sha256(pd.util.hash_pandas_object(units, index=True).to_numpy().tobytes()).hexdigest()
    matcher = _MATCHERS.get(key)
    if matcher is None:  # two uploads at once may both build it: the same matcher, no harm
        matcher = NameMatcher.for_units(units)
        _MATCHERS.clear()
        _MATCHERS[key] = matcher
    return matcher


def _import(ctx: Any, request: Request, path: Path, label: str, lang: str = "en") -> dict[str, Any]:
    with ctx.store() as store:  # a read: the units and the catalogue to match names against
        units, catalogue = ctx.units(store).reset_index(), store.catalogue
    profile = recognise(path)  # a statistics office's bulletin is read through its table profile, as the CLI does
    if profile is not None:
        read = read_with_profile(path, units, profile)  # no Store open here
        observations, notes, rejected = read.observations, [], 0  # the profile's note is for the CLI (English)
        coded_notes: list[dict[str, Any]] = []
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        options: dict[str, Any] | None = {"profile": profile.name, "reference_date": read.reference_date.isoformat()}
    else:
        table = read_table(path, catalogue=catalogue, units=_unit_matcher(units))  # no Store open here
        observations, notes, rejected = table.observations, list(table.notes), len(table.rejected)
        coded_notes = table.coded_notes
        sha, options = table.file_sha256, None
    with ctx.store(write=True) as store:
        report = import_observations(store, observations, file=label, file_sha256=sha, rows_rejected=rejected,
                                     options=options)
        if not report.already_imported:
            audit(store, request, action="import", target=label,
                  detail=f"import #{report.import_id}: {report.rows_new} new, {report.rows_revised} revised")
    summary = report.summary()
    if lang != "en":  # English keeps the CLI's sentences, which clients already read
        summary, notes = import_text(report, coded_notes, lang)
    return {"summary": summary, "notes": notes, "import_id": report.import_id,
            "rows_read": report.rows_read, "rows_new": report.rows_new, "rows_same": report.rows_same,
            "rows_revised": report.rows_revised,
            "already_imported": report.already_imported}
