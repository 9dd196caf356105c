"""Adopting a monitored measure from the monitoring page: ``GET /api/monitoring/choices`` and
``POST /api/monitoring/measures`` (the steps of ``territoria monitor add``, then an evaluation).

A measure is a unit, a mechanism of the knowledge base, a start year and one or more target
indicators, each with its target value (in the indicator's unit or one the catalogue accepts) and its
deadline. Every problem is found before anything is written (:func:`territoria.store.measures.measure_problems`)
and answered by field, in the page's language, so that the form shows each beside its field; a measure
with several targets is written together or not at all.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from territoria.mechanisms import load_knowledge_base
from territoria.report import monitoring as mon
from territoria.report.error_text import error_text, written_for
from territoria.report.messages import Translator, indicator_name, unit_name
from territoria.store import measures as ms
from territoria.web.accounts import audit
from territoria.web.api import monitoring

__all__ = ["MeasureRequest", "TargetRequest", "router"]

_ERROR = {"content": {"application/json": {"schema": {"type": "object", "properties": {"detail": {}}}}}}
_FIELD_ERRORS = {"content": {"application/json": {"schema": {
    "type": "object", "properties": {
        "detail": {"type": "string", "description": "The problems, one a line, in the page's language"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string", "description": "unit, mechanism, start_year, targets, or "
                                                       "targets[i].indicator / .value / .unit / .deadline_year"},
            "message": {"type": "string"}}}}}}}}}
router = APIRouter(prefix="/api", tags=["api"], responses={
    401: {"description": "Login required: `Authorization: Bearer TOKEN` or a session from /login", **_ERROR},
    403: {"description": "The user's role does not allow this, or the CSRF token is missing", **_ERROR},
    503: {"description": "The Store stayed locked by another process (an import); retry after Retry-After s",
          **_ERROR}})
Lang = Annotated[Literal["ru", "kk", "en"], Query(description="Language of names, texts and refusals.")]


class TargetRequest(BaseModel):
    """One target indicator of a measure (``territoria monitor add UNIT MECHANISM INDICATOR TARGET``)."""

    indicator: str = Field(min_length=1, max_length=100, description="Indicator id of the catalogue")
    value: float = Field(description="Target value, in the indicator's unit or in ``unit``")
    deadline_year: int = Field(ge=1990, le=2100, description="Year by which the target is to be reached")
    unit: str | None = Field(default=None, max_length=60,
                             description="Unit of the target value when not the indicator's own (checked)")


class MeasureRequest(BaseModel):
    """An adopted measure: a unit (KATO code, as ``/api/search`` finds it by name), a mechanism of the
    knowledge base, a start year (baselines: each indicator's value in or before it) and its targets."""

    unit: str = Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z_]{1,20}$", description="Unit code (KATO)")
    mechanism: str = Field(min_length=1, max_length=100, description="Mechanism id (``/api/monitoring/choices``)")
    start_year: int = Field(ge=1990, le=2100)
    targets: list[TargetRequest] = Field(min_length=1, max_length=10)
    note: str = Field(default="", max_length=500)


@router.get("/monitoring/choices")
def monitoring_choices(request: Request, lang: Lang = "en") -> dict[str, Any]:
    """What the measure form offers: the knowledge base's mechanisms (id, name and horizon in ``lang``, the
    indicators they act on) and the catalogue's indicators (id, name, unit of measure, units accepted)."""
    tr = Translator(lang)
    kb = load_knowledge_base()
    with request.app.state.ctx.store() as store:
        catalogue = store.catalogue
    mechanisms = [{"id": m.id, "name": m.name.get(lang), "horizon": tr.term("horizon", m.horizon),
                   "indicators": list(m.indicators)} for m in kb.mechanisms]
    indicators = []
    for code in catalogue.ids:
        item = catalogue[code]
        own = unit_name(item, lang)
        others = {u.strip() for u in item.accepts_units} - {item.unit.en, item.unit.ru, own}
        indicators.append({"id": code, "name": indicator_name(item, lang), "unit": own,
                           "units": sorted(u for u in others if written_for(u, lang))})
    indicators.sort(key=lambda i: str(i["name"]).casefold())
    return {"mechanisms": mechanisms, "indicators": indicators}


@router.post("/monitoring/measures", responses={
    200: {"description": "Recorded and evaluated: ``added`` (the new measure ids, one per target) and the "
                         "board of ``GET /api/monitoring``"},
    422: {"description": "Refused, nothing stored: each problem by field, in ``lang``", **_FIELD_ERRORS}})
def add_measure(request: Request, body: MeasureRequest, lang: Lang = "en") -> Any:
    """Adopt a measure (``territoria monitor add`` for each target, written together), then re-evaluate
    the monitoring rules so that the board shows its first evaluation."""

    targets = [ms.Target(t.indicator.strip(), t.value, t.deadline_year, (t.unit or "").strip() or None)
               for t in body.targets]
    mechanisms = load_knowledge_base().ids
    ctx = request.app.state.ctx
    with ctx.store(write=True) as store:
        problems = ms.measure_problems(store, unit=body.unit, mechanism=body.mechanism, targets=targets,
                                       start_year=body.start_year, mechanisms=mechanisms)
        if problems:
            errors = [{"field": field, "message": error_text(exc, lang, catalogue=store.catalogue)}
                      for field, exc in problems]
            return JSONResponse({"detail": "\n".join(e["message"] for e in errors), "errors": errors},
                                status_code=422)
        ids = ms.add_measures(store, unit=body.unit, mechanism=body.mechanism, targets=targets,
                              start_year=body.start_year, note=body.note, mechanisms=mechanisms)
        audit(store, request, action="measure.add", target=",".join(map(str, ids)),
              detail=f"{body.unit} {body.mechanism} {' '.join(t.indicator for t in targets)}")
        ctx.last_evaluation = mon.evaluate(store)
        audit(store, request, action="monitor.evaluate", target="")
    return {**monitoring(request, lang=lang), "added": ids}

