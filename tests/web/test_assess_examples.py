"""The assess page's example specs (GET /api/assess/examples[/{name}]): only the package's own files,
by name; a name that is not one of them (or looks like a path) is refused. Real bundled specs. The assess
page's picker in a real Chromium is tested in test_e2e.py (with its browser and server)."""

from __future__ import annotations

from importlib import resources

import pytest

from territoria.assess.spec import AssessmentSpec
from territoria.yamlfile import parse_yaml

BUNDLED = {"vulnerability_regions": "region", "vulnerability_districts": "district"}


def test_list_names_the_bundled_specs_with_their_level(client):
    r = client.get("/api/assess/examples", params={"lang": "ru"})
    assert r.status_code == 200
    examples = {e["name"]: e for e in r.json()["examples"]}
    assert {n: e["level"] for n, e in examples.items()} == BUNDLED
    regions = examples["vulnerability_regions"]
    assert regions["description"].startswith("Four-block regional vulnerability index")  # the spec's own
    assert regions["title"].startswith("Четырёхблочный индекс уязвимости регионов")  # in the page's language


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_get_returns_the_files_text_and_it_parses(client, name):
    r = client.get(f"/api/assess/examples/{name}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/yaml")
    own = resources.files("territoria.assess").joinpath(f"specs/{name}.yaml").read_text(encoding="utf-8")
    assert r.text == own
    spec = AssessmentSpec.from_mapping(parse_yaml(r.text, file=name), file=name)
    assert spec.name == name and spec.units.level == BUNDLED[name]


def test_the_example_runs_through_post_assess(client):
    text = client.get("/api/assess/examples/vulnerability_regions").text
    r = client.post("/api/assess", json={"spec": text})
    assert r.status_code == 200 and r.json()["name"] == "vulnerability_regions"


def test_unknown_name_is_404(client):
    r = client.get("/api/assess/examples/no_such_spec")
    assert r.status_code == 404 and "vulnerability_regions" in r.json()["detail"]


@pytest.mark.parametrize("name", ["..", "...", "%2e%2e", "..%2F..%2Fpyproject.toml", "vulnerability_regions.yaml",
                                  "%2Fetc%2Fpasswd", "Vulnerability_Regions", "a%5Cb"])
def test_path_like_names_are_refused(client, name):
    r = client.get(f"/api/assess/examples/{name}")
    assert r.status_code in (404, 405, 422)
    assert "four-block" not in r.text.lower() and "[project]" not in r.text and "root:" not in r.text
