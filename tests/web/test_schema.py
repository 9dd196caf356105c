"""Schemathesis against the OpenAPI schema: no generated request makes the server fail (no 5xx), and
every response conforms to the schema (status codes, content types, JSON bodies). Runs on a copy of the
bundled Store. All operations are covered, the file downloads (HTML, PDF, XLSX) included; a stateful run
follows the schema's OpenAPI links from the unit list and the ranking to a unit's profile and report.

Schemathesis' pytest plugin does not load under this pytest, so each API operation's Hypothesis
strategy is driven directly (same checks as ``case.call_and_validate``). Chromium's PDF printing is
replaced by a stub inside the generated runs (a few seconds per PDF); one real PDF is fetched separately.
"""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import positive_data_acceptance

from territoria.web import create_app

STUB_PDF = b"%PDF-1.4\n% stub: Chromium printing replaced in the generated runs\n%%EOF\n"
# No shrinking: a failure is reported as found (shrinking a stateful run can take minutes).
SETTINGS = dict(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate])


@pytest.fixture(scope="module")
def api_schema(web_db, tokens, web_auth):
    # The PDF pool's 60 s limit answers 503 when Chromium starts slowly on a loaded machine (a cold ranking
    # report once did): a hang guard of 10 minutes here; the limit itself is tested in test_pdf_pool.
    app = create_app(web_db, max_upload_bytes=20_000, allowed_hosts=["testserver", "localhost"], pdf_timeout=600)
    schema = schemathesis.openapi.from_asgi("/openapi.json", web_auth.with_token(app, tokens["analyst"]))
    # schemathesis' default 10 s read timeout failed cold requests (a first ranking) on a loaded machine: the
    # checks are about status codes and bodies, not speed; 10 minutes is a hang guard
    schema.config.update(request_timeout=600)
    return schema


@pytest.fixture
def stub_pdf(monkeypatch):
    from territoria.report import render

    calls = []

    def to_pdf(html, path, **kwargs):
        calls.append(path)
        path.write_bytes(STUB_PDF)
        return path

    monkeypatch.setattr(render, "to_pdf", to_pdf)
    return calls


def _operations(schema):
    for item in schema.get_all_operations():
        yield item.ok()


def test_no_server_errors(api_schema, stub_pdf):
    ops = list(_operations(api_schema))
    assert {op.path for op in ops} >= {"/api/ranking", "/api/units/{code}/profile", "/api/import", "/api/assess",
                                       "/api/ranking/report.{fmt}", "/api/units/{code}/report.{fmt}"}
    for op in ops:
        @given(case=op.as_strategy())
        @settings(max_examples=10, **SETTINGS)
        def check(case):
            # A schema-valid spec or upload can still be refused (422) for its content: that is intended.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()


def test_stateful_links(api_schema, stub_pdf):
    """Scenarios along the OpenAPI links: list units (or the ranking), then open the first one's profile or
    report. Every step passes the same checks; the links are really followed (profiles of listed units)."""
    links = api_schema.raw_schema["paths"]["/api/units"]["get"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} == {"getUnitProfile", "getUnitReport"}
    followed = []

    class Machine(api_schema.as_state_machine()):
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            if case.path.startswith("/api/units/{code}") and response.status_code == 200:
                followed.append(case.path_parameters["code"])
            case.validate_response(response, additional_checks=additional_checks,
                                   excluded_checks=[positive_data_acceptance])

    Machine.run(settings=settings(max_examples=8, stateful_step_count=3, **SETTINGS))
    assert followed  # at least one profile or report of a unit taken from a list was served


def test_pdf_download_is_a_real_pdf(api_schema):
    """Outside the generated runs, one PDF through the API, printed by Chromium for real."""
    import shutil
    from pathlib import Path

    if not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        pytest.skip("needs Debian's chromium (.ci/run installs it)")
    op = api_schema["/api/ranking/report.{fmt}"]["GET"]
    case = op.Case(path_parameters={"fmt": "pdf"}, query={"lang": "kk"})
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    assert response.status_code == 200 and response.headers["content-type"] == ["application/pdf"]
    assert response.content.startswith(b"%PDF-") and response.content != STUB_PDF


def test_profile_of_a_unit_with_a_single_year(client):
    """Found by the stateful run (a 500): the first settlement listed has one indicator for one year, so no
    trend is drawn; its profile and XLSX report are served (bundled real data)."""
    code = client.get("/api/units", params={"level": "settlement", "limit": 1}).json()["rows"][0][0]
    profile = client.get(f"/api/units/{code}/profile", params={"lang": "ru"})
    assert profile.status_code == 200
    trends = [s for s in profile.json()["sections"] if s["id"] == "trends"]
    assert all(not any(t.get("x") for t in s["figure"]["data"]) for s in trends)
    assert client.get(f"/api/units/{code}/report.xlsx").status_code == 200
