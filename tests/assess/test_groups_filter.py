"""A spec's `units: {groups: [border]}` is decided by the group rules when the units do not carry it."""

from __future__ import annotations

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.store import Store

TOWNS = ["593620100", "595220100", "596020100"]  # Bulaevo 30 km, Mamlyutka 20 km, Tayynsha 92 km from Russia


def test_border_group_filter_on_real_towns(bundled_store_path):
    with Store(bundled_store_path, read_only=True) as store:
        panel = store.panel(level="settlement", units=TOWNS, years=[2023])
    assert panel.wide(2023)["population_1jan"].notna().all()
    spec = AssessmentSpec.from_mapping({
        "name": "border towns", "year": 2023, "units": {"level": "settlement", "groups": ["border"]},
        "tree": {"index": {"children": {"population_1jan": {"direction": 1}}}}})
    result = Assessment(spec).run(panel)
    assert sorted(result.to_frame().index) == ["593620100", "595220100"]
    everyone = Assessment(AssessmentSpec.from_mapping({**spec.to_mapping(), "units": {"level": "settlement"}}))
    assert len(everyone.run(panel).to_frame()) == 3
