"""Bundled data into a Store (GeoNames points fill gaps only) and pinned downloads (no network)."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from territoria.ingest import remote
from territoria.store.bundle import with_geonames_points


def test_geonames_points_fill_gaps_and_never_overwrite():
    units = pd.DataFrame({"code": ["A", "B", "C"], "lat": [50.0, None, None], "lon": [70.0, None, None],
                          "note": [None, "BNS row", None]})
    places = pd.DataFrame({"kato": ["A", "B", None], "geonameid": [1, 2, 3],
                           "lat": [51.0, 52.5, 53.0], "lon": [71.0, 72.5, 73.0]})
    out = with_geonames_points(units, places).set_index("code")
    assert (out.loc["A", "lat"], out.loc["A", "lon"]) == (50.0, 70.0)          # OSM point kept
    assert (out.loc["B", "lat"], out.loc["B", "lon"]) == (52.5, 72.5)
    assert out.loc["B", "note"] == "BNS row; coordinates: GeoNames 2 (CC BY 4.0)"
    assert pd.isna(out.loc["C", "lat"])                                           # unmatched place unused


def test_remote_files_are_pinned_by_sha256():
    for item in remote.REMOTE_FILES.values():
        assert len(item.sha256) == 64 and int(item.sha256, 16) >= 0
        assert "/media/" in item.url and item.licence == "CC BY 4.0"


def test_fetch_verifies_the_checksum_without_network(tmp_path, monkeypatch):
    """pooch is given the pinned hash; a file whose hash differs is refused by pooch itself."""
    import pooch

    monkeypatch.setenv("TERRITORIA_CACHE", str(tmp_path))
    payload = b'{"type": "FeatureCollection", "features": []}'
    monkeypatch.setitem(remote.REMOTE_FILES, "geoboundaries-kaz-adm1", remote.RemoteFile(
        "geoboundaries-kaz-adm1", "https://example.invalid/adm1.geojson", hashlib.sha256(payload).hexdigest(),
        "test", "CC BY 4.0"))
    seen = {}

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        seen["hash"] = known_hash
        target = tmp_path / fname
        target.write_bytes(payload)
        if pooch.file_hash(str(target)) != known_hash.split(":", 1)[1]:
            raise ValueError("hash mismatch")
        return str(target)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    path = remote.fetch("geoboundaries-kaz-adm1")
    assert path.read_bytes() == payload and seen["hash"].startswith("sha256:")
    assert remote.cached("geoboundaries-kaz-adm1") == path

    monkeypatch.setitem(remote.REMOTE_FILES, "geoboundaries-kaz-adm1", remote.RemoteFile(
        "geoboundaries-kaz-adm1", "https://example.invalid/adm1.geojson", "0" * 64, "test", "CC BY 4.0"))
    with pytest.raises(remote.DownloadError, match="works without it"):
        remote.fetch("geoboundaries-kaz-adm1")
