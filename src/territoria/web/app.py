"""The FastAPI application of ``territoria serve``: HTML pages and the JSON API under ``/api/``.

The pages are thin shells: their script (``static/app.js``) fetches the same ``/api/`` endpoints any
client can call and draws tables and Plotly charts from the JSON. Plotly.js is served from the
installed plotly package (``/static/plotly.min.js``), so nothing is fetched from the internet.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from territoria.errors import TerritoriaError, UnknownNameError
from territoria.report.i18n import LANGS, words
from territoria.store.assessments import NAME_PATTERN
from territoria.web.api import Lang, UnitCode, router
from territoria.web.assessments import AssessmentName, known_assessment
from territoria.web.assessments import router as assessments_router
from territoria.web.context import WebContext
from territoria.web.maps import router as maps_router

__all__ = ["create_app"]

_HERE = Path(__file__).parent
PAGES = {"overview": "/", "compare": "/compare", "upload": "/upload", "assess": "/assess", "monitor": "/monitor"}


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("territoria.web", "templates"),
                              autoescape=jinja2.select_autoescape(["html"]))


def _page(page: str, lang: str, **extra: object) -> HTMLResponse:
    html = _env().get_template("page.html").render(page=page, lang=lang, langs=LANGS, w=words(lang),
                                                   pages=PAGES, name_pattern=NAME_PATTERN, **extra)
    return HTMLResponse(html)


def create_app(db: str | Path, *, max_upload_bytes: int | None = None) -> FastAPI:
    """The web application on the Store ``db``.

    Parameters
    ----------
    db : path
        The Store file (must exist; ``territoria serve`` fills a new one with the bundled data).
    max_upload_bytes : int, optional
        Uploads larger than this are refused (413) before they are read whole (see
        :mod:`territoria.web.limits`); default ``TERRITORIA_MAX_UPLOAD_BYTES`` or 10 MiB.
    """
    from territoria.web.limits import ENVELOPE_BYTES, BodyLimitMiddleware, max_upload_from_env

    max_upload_bytes = max_upload_from_env() if max_upload_bytes is None else int(max_upload_bytes)
    app = FastAPI(title="Territoria", version="0.1.0",
                  description="Vulnerability of Kazakhstan's regions and settlements: rankings, profiles, "
                              "mechanisms, monitoring. Every page of the site uses this API.")
    app.state.ctx = WebContext(db, max_upload_bytes=max_upload_bytes)
    app.include_router(router)
    app.include_router(assessments_router)
    app.include_router(maps_router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_upload_bytes + ENVELOPE_BYTES)

    @app.exception_handler(UnknownNameError)
    async def _unknown(request: Request, exc: UnknownNameError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(TerritoriaError)
    async def _error(request: Request, exc: TerritoriaError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        from territoria.report.render import plotly_js_path

        return FileResponse(plotly_js_path(), media_type="application/javascript")

    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request, lang: Lang = "ru", assessment: AssessmentName = None) -> HTMLResponse:
        return _page("overview", lang, assessment=known_assessment(request, assessment))

    @app.get("/unit/{code}", response_class=HTMLResponse, include_in_schema=False)
    def unit_page(request: Request, code: UnitCode, lang: Lang = "ru",
                  assessment: AssessmentName = None) -> HTMLResponse:
        return _page("unit", lang, unit=code, assessment=known_assessment(request, assessment))

    @app.post("/monitor/evaluate", include_in_schema=False)
    def monitor_evaluate(lang: Lang = "ru", assessment: AssessmentName = None) -> RedirectResponse:
        """The board's "re-evaluate" button without a script: evaluate, then show the board."""
        from territoria.report import monitoring as mon

        ctx = app.state.ctx
        with ctx.store(write=True) as store:
            ctx.last_evaluation = mon.evaluate(store, assessment=assessment)
        tail = f"&assessment={quote(assessment)}" if assessment is not None else ""
        return RedirectResponse(f"{PAGES['monitor']}?lang={lang}{tail}", status_code=303)

    for name in ("compare", "upload", "assess", "monitor"):
        def make(page: str = name):  # bind the loop variable
            def handler(request: Request, lang: Lang = "ru", assessment: AssessmentName = None) -> HTMLResponse:
                return _page(page, lang, assessment=known_assessment(request, assessment))
            return handler
        app.get(PAGES[name], response_class=HTMLResponse, include_in_schema=False)(make())
    return app
