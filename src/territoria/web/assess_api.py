"""``POST /api/assess``: run a posted assessment spec on the Store's panel (and store it under a name).

A posted spec never makes the server open a file (issue 19, finding 1): it is parsed from the request
body, and any key naming a file (:meth:`~territoria.assess.spec.AssessmentSpec.file_references`) is
refused with 422 before anything is looked up.
"""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.errors import DataError, SpecError, TerritoriaError, coded
from territoria.report.document import frame_to_json
from territoria.report.error_text import error_text
from territoria.report.i18n import words
from territoria.report.messages import term
from territoria.web.assessments import ASSESSMENT_PATTERN, store_result
from territoria.web.page_words import scale_words
from territoria.yamlfile import parse_yaml

__all__ = ["FILE_REFERENCE_REFUSED", "AssessRequest", "assess", "example_spec", "example_specs", "request_spec",
           "router", "spec_refused"]

_ERROR = {"content": {"application/json": {"schema": {"type": "object", "properties": {"detail": {}}}}}}
router = APIRouter(prefix="/api", tags=["api"], responses={
    401: {"description": "Login required: `Authorization: Bearer TOKEN` or a session from /login", **_ERROR},
    403: {"description": "The user's role does not allow this, or the CSRF token is missing", **_ERROR},
    422: {"description": "Invalid request, data or spec (the message says what and where)", **_ERROR},
    503: {"description": "The Store stayed locked by another process (an import); retry after Retry-After s",
          **_ERROR}})
Lang = Annotated[Literal["ru", "kk", "en"], Query(description="Language of names and texts.")]


class AssessRequest(BaseModel):
    """An assessment spec (YAML text, the format of docs/assessment.md) and optionally a year."""

    spec: str = Field(min_length=1, max_length=200_000)
    year: int | None = Field(default=None, ge=1990, le=2100)
    name: str | None = Field(default=None, pattern=ASSESSMENT_PATTERN,
                             description="Store the Result under this name (a new version when the spec or the "
                                         "data changed); without it the result is shown and not kept.")


EXAMPLE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
ExampleName = Annotated[str, PathParam(pattern=EXAMPLE_PATTERN, description="Name of a bundled example spec")]


def _example_files() -> dict[str, Any]:
    """The package's own example specs (``territoria/assess/specs/*.yaml``) by name: the only files the
    examples endpoints read; a requested name is looked up here, never joined to a path."""
    folder = resources.files("territoria.assess").joinpath("specs")
    return {f.name.removesuffix(".yaml"): f for f in sorted(folder.iterdir(), key=lambda f: f.name)
            if f.name.endswith(".yaml")}


def example_specs(lang: str = "en") -> list[dict[str, str]]:
    """The bundled example specs: name, description (the spec's own, in English), title (a short
    description in ``lang``) and the level of their units."""
    known, out = words(lang), []
    for name, file in _example_files().items():
        mapping = parse_yaml(file.read_text(encoding="utf-8"), file=file.name)
        description = " ".join(str(mapping.get("description", "")).split())
        out.append({"name": name, "description": description, "title": known.get(f"example_{name}", description),
                    "level": str((mapping.get("units") or {}).get("level", ""))})
    return out


def example_spec(name: str) -> str:
    """The YAML text of the bundled example spec ``name`` (404 when the package has none of that name)."""
    file = _example_files().get(name)
    if file is None:
        raise HTTPException(404, f"no bundled example spec named {name!r}; known: "
                                 f"{', '.join(_example_files())}")
    return file.read_text(encoding="utf-8")


FILE_REFERENCE_REFUSED = ("the server never reads a file named in a spec; give the weights inline as "
                          "'weight: {method: file, values: {code: weight, ...}}'")


def spec_refused(exc: TerritoriaError, lang: str) -> HTTPException:
    """A 422 whose message is ``exc`` in ``lang`` (English: the CLI's text, ``spec: key.path: ...``)."""
    return HTTPException(422, str(exc) if lang == "en" else error_text(exc, lang, file=""))


def request_spec(text: str, *, year: int | None = None, lang: str = "en") -> Any:
    """A posted spec (YAML text) as an :class:`~territoria.assess.spec.AssessmentSpec`, without opening
    any file: a spec that names one is refused with 422 (the name is not echoed, nothing is looked up).
    Refusals are worded in ``lang``."""
    try:
        mapping = parse_yaml(text, file="spec")
    except TerritoriaError as exc:
        raise spec_refused(exc, lang) from None
    if not isinstance(mapping, dict):
        raise spec_refused(coded(SpecError("<root>", "expected a YAML mapping (name, units, year, tree, ...)",
                                           file="spec"), "error.spec_mapping"), lang)
    try:
        spec = AssessmentSpec.from_mapping(mapping, file="spec")
        refs = spec.file_references()
        if refs:
            raise coded(SpecError(", ".join(sorted(refs)), FILE_REFERENCE_REFUSED, file="spec"), "error.spec_files")
        if year is not None:
            spec = AssessmentSpec.from_mapping({**spec.to_mapping(), "year": year, "years": None}, file="spec")
    except TerritoriaError as exc:
        raise spec_refused(exc, lang) from None
    return spec


@router.get("/assess/examples")
def assess_examples(lang: Lang = "en") -> dict[str, Any]:
    """The bundled example specs to start from: name, description, title (in ``lang``) and level."""
    return {"examples": example_specs(lang)}


@router.get("/assess/examples/{name}", response_class=PlainTextResponse,
            responses={200: {"content": {"application/yaml": {"schema": {"type": "string"}}}},
                       404: {"description": "No bundled example spec of that name"}})
def assess_example(name: ExampleName) -> PlainTextResponse:
    """The YAML text of one bundled example spec (only names from ``GET /api/assess/examples``)."""
    return PlainTextResponse(example_spec(name), media_type="application/yaml")


@router.post("/assess")
def assess(request: Request, body: AssessRequest, lang: Lang = "en") -> dict[str, Any]:
    """Run an assessment spec (YAML text) on the Store's panel; returns the ranking table.

    The spec may not name files (``weight.file``): the server refuses it (422) without opening anything;
    give expert weights inline as ``weight.values``. With ``name`` the Result (and its uncertainty summary,
    when the spec has one) is stored under that name, as ``territoria assess --name`` does: ``stored`` says
    which version and what changed; the pages and endpoints then use it (``?assessment=NAME``, or by
    default for units of its level)."""
    spec = request_spec(body.spec, year=body.year, lang=lang)
    ctx = request.app.state.ctx
    try:
        with ctx.store() as store:
            panel = store.panel(level=spec.units.level, years=spec.year_list)
            units_table = ctx.units(store)
        result = Assessment(spec).run(panel)
        frame = result.to_frame()
        if isinstance(frame.index, pd.MultiIndex):
            frame = frame.reset_index()
        else:
            frame = frame.reset_index(names="unit")
            names = units_table[f"name_{lang}"]
            frame.insert(1, "name", frame["unit"].map(names))
    except TerritoriaError as exc:
        raise spec_refused(exc, lang) from None
    except (ValueError, TypeError, KeyError) as exc:  # a malformed spec the validators let through
        raise HTTPException(422, f"spec: {exc}") from None
    if frame.empty:
        raise spec_refused(coded(DataError(f"{spec.name}: no unit was assessed"), "error.no_unit_assessed",
                                 name=spec.name), lang)
    stored = store_result(ctx, result, body.name, request=request) if body.name is not None else None
    shown = frame.sort_values("rank") if "rank" in frame else frame.copy()
    if "level" in shown:  # the grade's words and its scale's in the page's language; the columns stay codes
        shown["level"] = shown["level"].map(lambda v: term("level", v, lang) if isinstance(v, str) else v)
    if "scale" in shown:
        shown["scale"] = shown["scale"].map(lambda v: scale_words(v, lang))
    return {"name": spec.name, "stored": stored, "table": frame_to_json(shown, lang)}
