"""The API's stored assessments: ``/api/assessments``, ``/api/rankings`` (by level and region), and the
``?assessment=`` parameter every page and endpoint takes (:mod:`territoria.store.assessments`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, HTTPException, Path, Query, Request

from territoria.errors import TerritoriaError, UnknownNameError
from territoria.report import service
from territoria.report.document import frame_to_json
from territoria.store.assessments import NAME_PATTERN, REF_PATTERN, list_assessments, save_assessment
from territoria.web.accounts import audit

__all__ = ["ASSESSMENT_PATTERN", "ASSESSMENT_REF_PATTERN", "AssessmentName",
           "about", "describe", "known_assessment", "router", "store_result"]

_ERROR = {"content": {"application/json": {"schema": {"type": "object", "properties": {"detail": {}}}}}}
router = APIRouter(prefix="/api", tags=["api"], responses={
    404: {"description": "Unknown assessment (the message lists the stored ones)", **_ERROR},
    422: {"description": "Invalid request, or an assessment of another level or without that region", **_ERROR},
    503: {"description": "The Store stayed locked by another process (an import); retry after Retry-After s",
          **_ERROR}})
UNIT_PATTERN = r"^[0-9A-Za-z_]{1,20}$"
ASSESSMENT_PATTERN = f"^{NAME_PATTERN}$"  # a name to store under
ASSESSMENT_REF_PATTERN = f"^{REF_PATTERN}$"  # a stored assessment to use: NAME or NAME@VERSION
AssessmentName = Annotated[str | None, Query(
    pattern=ASSESSMENT_REF_PATTERN, description="A stored assessment (`/api/assessments`), its latest version "
    "(`NAME`) or an older one (`NAME@VERSION`); default: the latest assessment of the unit's own level (of the "
    "regions where no unit is given).")]
Lang = Annotated[Literal["ru", "kk", "en"], Query(description="Language of names and texts.")]
UnitLevel = Literal["country", "region", "district", "rural_district", "settlement"]


@router.get("/rankings")
def rankings(request: Request, lang: Lang = "en", assessment: AssessmentName = None,
             level: Annotated[UnitLevel | None, Query(description="Latest assessment of this level")] = None,
             region: Annotated[str | None, Query(pattern=UNIT_PATTERN, description="Only this region's units")] = None,
             ) -> dict[str, Any]:
    """The units of one assessment ranked nationally and within their region (``rank_in_region``), all or
    those of one ``region``; the assessment is ``assessment``, else the latest of ``level`` (default:
    regions). ``assessment`` says which one (name, version, level, years)."""
    ctx = request.app.state.ctx
    with ctx.store() as store:
        result = ctx.result(store, name=assessment, level=level)
        if assessment is not None and level is not None and result.level != level:
            raise HTTPException(422, f"assessment {result.label} rates {result.level} units, not {level} units")
        table = service.ranking_table(store, result, region=region, lang=lang)
    return {"assessment": describe(result), "table": frame_to_json(table, lang)}


@router.get("/units/{code}/diagnosis")
def unit_diagnosis(request: Request, code: Annotated[str, Path(pattern=UNIT_PATTERN, description="Unit code (KATO)")],
                   lang: Lang = "en", assessment: AssessmentName = None,
                   year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> dict[str, Any]:
    """A unit's diagnosis (``diagnosis.diagnose``, as ``territoria diagnose``): the assessment used, rank
    nationally and within the region, the region's rank as ``context``, status, weakest blocks and
    indicators, the risk flags that hold and how many rules lacked data."""
    ctx = request.app.state.ctx
    with ctx.store() as store:
        if store.units(codes=[code]).empty:
            raise UnknownNameError("unit", code)
        found = service.diagnosis(store, code, name=assessment, year=year)
    held = found.risk_flags
    shown = [c for c in ("rule", "indicator", "year", "value", "threshold", "text", "citation") if c in held]
    return {"diagnosis": _plain(found.summary()), "weak_blocks": frame_to_json(found.weak_blocks, lang),
            "weak_indicators": frame_to_json(found.weak_indicators, lang),
            "risk_flags": frame_to_json(held[shown], lang), "not_evaluable": found.not_evaluable}


def _plain(value: Any) -> Any:
    """Numpy scalars and NaN of a summary as JSON values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


@router.get("/assessments")
def assessments(request: Request) -> dict[str, Any]:
    """Every stored assessment version: name, version, level, years, units, created_at, what changed."""

    with request.app.state.ctx.store() as store:
        table = list_assessments(store)
    return frame_to_json(table)


def describe(result: Any) -> dict[str, Any]:
    """Name, version, level, years and label of the assessment a response used."""
    return {"name": getattr(result, "name", None) or result.spec.name, "version": getattr(result, "version", None),
            "level": getattr(result, "level", None) or result.spec.units.level,
            "years": list(getattr(result, "years", ()) or result.spec.year_list),
            "label": service.assessment_label(result)}


def known_assessment(request: Request, assessment: str | None) -> dict[str, Any] | None:
    """``describe`` of ``assessment`` (``NAME`` or ``NAME@VERSION``) with ``ref`` (as given) when it is
    stored (a page passes it on to its script); 404 naming the stored ones, or the versions of ``NAME``
    when that version is not stored."""
    if assessment is None:
        return None
    ctx = request.app.state.ctx
    with ctx.store() as store:
        found = ctx.result(store, name=assessment)  # raises UnknownAssessmentError (404) naming what exists
    return {"ref": assessment, **describe(found)}


def about(request: Request, assessment: str | None) -> dict[str, Any]:
    """``describe`` of the assessment ``?assessment=`` (or the default) resolves to."""
    ctx = request.app.state.ctx
    with ctx.store() as store:
        return describe(ctx.result(store, name=assessment))


def store_result(ctx: Any, result: Any, name: str, *, request: Request) -> dict[str, Any]:
    """Store ``result`` under ``name`` (a new version when the spec or the data changed), audited."""

    analysis = None
    if result.spec.uncertainty is not None and not isinstance(result.tables["aggregated"].index, pd.MultiIndex):
        analysis = result.uncertainty()
    try:
        with ctx.store(write=True) as store:
            saved = save_assessment(store, result, name=name, uncertainty=analysis)
            if saved.created:
                audit(store, request, action="assessment.store", target=f"{saved.name}@{saved.version}")
    except TerritoriaError as exc:
        raise HTTPException(422, str(exc)) from None
    return {**describe(saved), "created": saved.created, "changes": saved.changes}
