"""Several units diagnosed at once (``report.assessed.diagnoses``: the Store read and the reference gaps
computed once) say exactly what one diagnosis at a time says (bundled real data)."""

from __future__ import annotations

import dataclasses

import pandas as pd

from territoria.report import service
from territoria.report.assessed import diagnoses, diagnosis
from territoria.store import Store


def _same(one, many) -> None:
    for field in dataclasses.fields(one):
        a, b = getattr(one, field.name), getattr(many, field.name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        else:
            assert a == b, field.name


def test_a_batch_is_each_diagnosis(bundled_store_path):
    with Store(bundled_store_path, read_only=True) as store:
        result = service.assessment(store, level="region")
        codes = ["590000000", *[str(c) for c in result.ranks.index if str(c) != "590000000"][:1]]  # NKO first
        batch = diagnoses(store, codes, result=result, context=False)
        assert list(batch) == codes
        for code in codes:
            _same(diagnosis(store, code, result=result, context=False), batch[code])
        assert len(batch["590000000"].flags) and batch["590000000"].status is not None


def test_a_batch_classifies_its_units_once(bundled_store_path, monkeypatch):
    """The statuses of a batch come from one status table (each unit's status reads its own series only), and
    each unit's diagnosis still says what it says alone."""
    from territoria.report import assessed

    classified: list[list[str]] = []
    original = assessed.classify

    def counting(observations, *args, **kwargs):
        classified.append(sorted(set(map(str, observations["unit"]))))
        return original(observations, *args, **kwargs)

    monkeypatch.setattr(assessed, "classify", counting)
    with Store(bundled_store_path, read_only=True) as store:
        result = service.assessment(store, level="region")
        codes = [str(c) for c in result.ranks.index[:4]]
        batch = diagnoses(store, codes, result=result, context=False)
        assert classified == [sorted(codes)]
        assert any(batch[code].status is not None for code in codes)
        for code in codes:
            _same(diagnosis(store, code, result=result, context=False), batch[code])
