"""Issue 19, finding 1: a posted spec never makes the server open a file.

``weight: {method: file, file: PATH}`` used to make ``POST /api/assess`` open PATH and echo its first line
(``/etc/hostname``, ``/proc/self/environ``), tell missing files apart, and read ``/dev/zero`` until memory
ran out. Now the spec is refused with 422 before anything is looked up: the tests record every ``open``,
``os.open`` and ``os.stat`` of the attacked path during the request and require none.
"""

from __future__ import annotations

import builtins
import io
import os

import pytest

import territoria.assess.io as assess_io
import territoria.assess.weights_file as weights_file

ATTACKS = ["/etc/hostname", "../../../../etc/hostname", "/proc/self/environ", "/dev/zero", "/no/such/file.csv",
           "weights.csv"]


def _spec(path: str) -> str:
    return ("name: attack\nunits: {level: region}\nyear: 2023\n"
            "tree:\n  index:\n    children:\n      a: {direction: 1}\n"
            f"weight: {{method: file, file: '{path}'}}\n")


@pytest.fixture
def opened(monkeypatch):
    """Paths named ``*hostname``, ``*environ``, ``/dev/zero`` or ``*.csv`` that anything tried to open or stat."""
    seen: list[str] = []
    targets = ("hostname", "environ", "/dev/zero", "file.csv", "weights.csv")

    def spy(real):
        def wrapper(path, *args, **kwargs):
            if isinstance(path, (str, bytes, os.PathLike)) and any(t in os.fsdecode(path) for t in targets):
                seen.append(os.fsdecode(path))
            return real(path, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(builtins, "open", spy(builtins.open))
    monkeypatch.setattr(io, "open", spy(io.open))
    monkeypatch.setattr(os, "open", spy(os.open))
    monkeypatch.setattr(os, "stat", spy(os.stat))

    def never(*args, **kwargs):
        seen.append(f"resolver called with {args}")
        raise AssertionError("the server resolved a file reference of a request")

    for module in (assess_io, weights_file):
        monkeypatch.setattr(module, "read_weights", never)
        monkeypatch.setattr(module, "resolve_file_references", never)
    return seen


@pytest.mark.parametrize("path", ATTACKS)
def test_a_spec_naming_a_file_is_refused_without_opening_it(client, opened, path):
    res = client.post("/api/assess", json={"spec": _spec(path)})
    assert res.status_code == 422, res.text
    detail = res.json()["detail"]
    assert "weight.file" in detail and "never reads a file" in detail
    assert path not in detail  # nothing of the path or the file comes back; a missing file looks the same
    assert opened == []


def test_the_answer_is_the_same_for_existing_and_missing_files(client):
    answers = {client.post("/api/assess", json={"spec": _spec(p)}).json()["detail"] for p in ATTACKS}
    assert len(answers) == 1


def test_inline_weights_are_accepted_and_used(client):
    """The web way to give expert weights: ``weight.values`` (no file); the weights change the ranking."""
    body = ("name: inline\nunits: {level: region}\nyear: 2021\ntree:\n  index:\n    children:\n"
            "      unemployment_rate: {direction: 1}\n      life_expectancy: {direction: -1}\n")
    ranks = {}
    for w in (0.0, 1.0):
        spec = body + f"weight: {{method: file, values: {{unemployment_rate: {w}, life_expectancy: {1 - w}}}}}\n"
        res = client.post("/api/assess", json={"spec": spec})
        assert res.status_code == 200, res.text
        ranks[w] = [row[0] for row in res.json()["table"]["rows"]]
    assert ranks[0.0] != ranks[1.0]


def test_the_method_never_reads_a_weights_file(tmp_path):
    """Library level: a spec from a mapping keeps its file reference unread, and running it is a located
    error; the interface's resolver reads it (bounded: a device or an oversized file is refused)."""
    import pandas as pd

    from territoria.assess.pipeline import Assessment
    from territoria.assess.spec import AssessmentSpec
    from territoria.errors import SpecError

    weights = tmp_path / "w.csv"
    weights.write_text("code,weight\na,3\nb,1\n", encoding="utf-8")
    raw = {"tree": {"index": {"children": {"a": {"direction": 1}, "b": {"direction": 1}}}},
           "weight": {"method": "file", "file": str(weights)}}
    table = pd.DataFrame({"a": [0.0, 10.0], "b": [10.0, 0.0]}, index=pd.Index(["A", "B"], name="unit"))
    spec = AssessmentSpec.from_mapping(raw)
    assert spec.file_references() == {"weight.file": str(weights)}
    with pytest.raises(SpecError, match=r"weight\.file.*never opens a file"):
        Assessment(spec).run(table)
    resolved = assess_io.resolve_file_references(spec)
    assert resolved.weight.values == {"a": 3.0, "b": 1.0}
    # hand-worked: min-max 0..100, weights 3:1 -> A = 0*0.75 + 100*0.25 = 25, B = 75
    assert Assessment(resolved).run(table).tables["aggregated"]["index"].tolist() == pytest.approx([25.0, 75.0])
    with pytest.raises(SpecError, match="not a regular file"):
        assess_io.read_weights("/dev/zero")
    big = tmp_path / "big.csv"
    big.write_text("code,weight\n" + "a,1\n" * 100, encoding="utf-8")
    with pytest.raises(SpecError, match="at most 64 bytes"):
        assess_io.read_weights(big, max_bytes=64)
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text("tree: {index: {children: {a: {direction: 1}, b: {direction: 1}}}}\n"
                         "weight: {method: file, file: w.csv}\n", encoding="utf-8")
    assert AssessmentSpec.from_yaml(spec_file).weight.values == {"a": 3.0, "b": 1.0}  # relative to the spec
