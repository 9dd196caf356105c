"""End to end offline: a loopback server (tests/connectors/conftest.py) serves RECONSTRUCTED exports; fetch,
check, import, re-import no-op, revision with history, damaged answers refused with cache and Store unchanged.
The steps share one Store copy and run in file order."""

from __future__ import annotations

import shutil

import pytest
from reconstruct import entry_for, reconstruct
from typer.testing import CliRunner

from territoria.connectors.bns.download import export_request
from territoria.connectors.bns.errors import CheckFailedError, DownloadError, LayoutError
from territoria.connectors.bns.fetch import fetch_table
from territoria.connectors.taldau.cache import RawCache
from territoria.errors import ConflictError
from territoria.interfaces.cli import app
from territoria.store import Store

REGIONS = ["110000000"]  # Akmola Region: its districts and city administrations, all region rows
PATH = "/api/iblock/element/4289/csv/file/ru/"


@pytest.fixture(scope="module")
def db(bundled_store_path, tmp_path_factory):
    target = tmp_path_factory.mktemp("bns") / "store.duckdb"
    shutil.copy(bundled_store_path, target)
    return target


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return RawCache(tmp_path_factory.mktemp("bns_cache"))


@pytest.fixture(scope="module")
def entry(registry):
    return entry_for(registry, "housing_commissioned")


def _export(panel, entry, units, shift: dict[str, float] | None = None) -> bytes:
    frame = panel.copy()
    for unit, delta in (shift or {}).items():
        hit = (frame["unit"] == unit) & (frame["indicator"] == entry.indicator) & (frame["year"] == 2020)
        frame.loc[hit, "value"] += delta
    return reconstruct(frame, entry=entry, units=units, regions=REGIONS)


def _count(db) -> tuple[int, int, int]:
    with Store(db, read_only=True) as store:
        return tuple(int(store.query(f"SELECT count(*) AS n FROM {t}")["n"].iloc[0])  # type: ignore[return-value]
                     for t in ("observations", "observation_history", "imports"))


def _fetch(db, fake, entry, registry, cache, **kw):
    kw.setdefault("sleep", lambda seconds: None)
    with Store(db) as store:
        return fetch_table(entry, registry=registry, cache=cache, store=store, url=fake.url + PATH, **kw)


def test_fetch_imports_then_reimport_is_a_no_op(db, fake_taldau, entry, registry, units, panel, cache):
    body = _export(panel, entry, units)
    fake_taldau.script[PATH] = [(200, "text/csv", body)]
    outcome = _fetch(db, fake_taldau, entry, registry, cache)
    report = outcome.report
    assert outcome.read.failures.empty and len(outcome.rows) > 150
    # the bundle holds the same printed figures: nothing new, nothing revised, every row "already stored"
    assert (report.rows_same, report.rows_new, report.rows_revised) == (len(outcome.rows), 0, 0)
    kokshetau = outcome.rows[(outcome.rows["unit"] == "111000000") & (outcome.rows["year"] == 2020)]
    assert kokshetau["value"].tolist() == [220999.0]  # as printed in the published excerpt
    entries = cache.entries(export_request(entry))
    assert len(entries) == 1 and entries[0]["size"] == len(body) and entries[0]["fetched_at"]
    before = _count(db)
    again = _fetch(db, fake_taldau, entry, registry, cache)
    assert again.report.already_imported and _count(db) == before


def test_changed_values_refused_then_revised_with_history(db, fake_taldau, entry, registry, units, panel, cache):
    # Kokshetau G.A. +100 m² in 2020, and its region and the Republic with it: the sums still hold
    fake_taldau.script[PATH] = [(200, "text/csv", _export(panel, entry, units,
                                                          {"111000000": 100, "110000000": 100, "KZ": 100}))]
    before = _count(db)
    with pytest.raises(ConflictError):
        _fetch(db, fake_taldau, entry, registry, cache)
    assert _count(db) == (before[0], before[1], before[2])
    outcome = _fetch(db, fake_taldau, entry, registry, cache, revise=True)
    assert outcome.report.rows_revised == 3
    with Store(db, read_only=True) as store:
        history = store.query("SELECT unit, value FROM observation_history WHERE indicator = 'housing_commissioned' "
                              "AND year = 2020 ORDER BY unit")
        now = store.query("SELECT value FROM observations WHERE unit = '111000000' AND "
                          "indicator = 'housing_commissioned' AND year = 2020")
    assert dict(zip(history["unit"], history["value"], strict=True))["111000000"] == 220999.0
    assert now["value"].tolist() == [221099.0]


def test_failed_sum_stores_nothing_unless_accepted(db, fake_taldau, entry, registry, units, panel, cache):
    fake_taldau.script[PATH] = [(200, "text/csv", _export(panel, entry, units, {"111000000": 500}))]
    before = _count(db)
    with pytest.raises(CheckFailedError) as err:
        _fetch(db, fake_taldau, entry, registry, cache)
    text = str(err.value)
    assert ("АКМОЛИНСКАЯ ОБЛАСТЬ (110000000) 2020: printed 575,065, the 19 part(s) sum to 575,565 "
            "(difference +500)") in text
    assert _count(db) == before
    outcome = _fetch(db, fake_taldau, entry, registry, cache, accept_check_failures=True, revise=True)
    # Kokshetau +500 over the bundle; Akmola and the Republic back from the previous step's +100
    assert outcome.report.rows_revised == 3
    with Store(db, read_only=True) as store:
        options = store.query("SELECT options_json FROM imports ORDER BY import_id DESC LIMIT 1")["options_json"][0]
    assert '"accepted_check_failures"' in options and "110000000" in options


@pytest.mark.parametrize(("answer", "error", "needle"), [
    ((200, "text/html", b"<html><head><title>Access denied</title></head></html>"), LayoutError, "HTML page"),
    ((500, "text/plain", b"oops"), DownloadError, "HTTP 500"),
    ((404, "text/plain", b"no"), DownloadError, "HTTP 404"),
    ((200, "text/csv", b'"NAM"\t"DAT"\n"x"\t"y"\n'), LayoutError, "header"),
])
def test_damaged_answers_leave_cache_and_store_unchanged(db, fake_taldau, entry, registry, cache, answer, error,
                                                         needle):
    fake_taldau.script[PATH] = [answer]
    fake_taldau.hits.clear()
    before, cached = _count(db), len(cache.entries(export_request(entry)))
    with pytest.raises(error) as err:
        _fetch(db, fake_taldau, entry, registry, cache)
    assert "BNS table 4289" in str(err.value) and needle in str(err.value)
    assert _count(db) == before and len(cache.entries(export_request(entry))) == cached
    # 5xx is retried (2 retries by default), 404 and a 200 answer are not
    assert fake_taldau.hits[PATH] == (3 if answer[0] == 500 else 1)


def test_a_server_error_then_the_export(db, fake_taldau, entry, registry, units, panel, cache):
    fake_taldau.hits.clear()
    fake_taldau.script[PATH] = [(503, "text/plain", b"busy"), (200, "text/csv", _export(panel, entry, units))]
    waits: list[float] = []
    # the same bytes as the first step, but the step before revised three of its values: re-applying them is a
    # conflict naming that revision (issue 19, finding 4), not "already imported"
    with pytest.raises(ConflictError, match=r"imported as import #\d+; the Store now holds values set since"):
        _fetch(db, fake_taldau, entry, registry, cache, sleep=waits.append)
    assert fake_taldau.hits[PATH] == 2 and waits == [2.0]


def test_offline_without_cache_and_unreachable_site(db, entry, registry, tmp_path):
    with Store(db) as store, pytest.raises(DownloadError, match="no cached export"):
        fetch_table(entry, registry=registry, cache=RawCache(tmp_path / "empty"), store=store, offline=True)
    waits: list[float] = []
    with Store(db) as store, pytest.raises(DownloadError, match=r"could not download http://127\.0\.0\.1:9/x \(.*; "
                                                                 r"3 attempt\(s\)\)"):
        fetch_table(entry, registry=registry, cache=RawCache(tmp_path / "c"), store=store, url="http://127.0.0.1:9/x",
                    timeout=5, sleep=waits.append)
    assert waits == [2.0, 4.0]  # a refused connection is retried with backoff
    assert not (tmp_path / "c").exists()  # nothing cached


def test_cli_fetch_file_and_list(db, entry, units, panel, tmp_path):
    export = tmp_path / "4289.csv"
    export.write_bytes(_export(panel, entry, units))
    runner = CliRunner()
    env = {"COLUMNS": "200", "TERRITORIA_BNS_CACHE": str(tmp_path / "cache")}
    # the same bytes as the first download, whose values a later step revised: --revise applies them again
    # (without it, a conflict naming the revision: issue 19, finding 4)
    res = runner.invoke(app, ["--db", str(db), "data", "fetch", "bns", "4289", "--file", str(export), "--revise"],
                        env=env)
    assert res.exit_code == 0, res.output
    assert "18 of 18 sum check(s) exact; 0 failure(s)" in res.output
    with Store(db, read_only=True) as store:
        back = store.query("SELECT value FROM observations WHERE unit = '111000000' AND year = 2020 "
                           "AND indicator = 'housing_commissioned'")
    assert back["value"].tolist() == [220999.0]  # the printed figure again
    res = runner.invoke(app, ["--db", str(db), "data", "fetch", "bns", "4289", "--file", str(export)], env=env)
    assert res.exit_code == 0 and "already imported" in res.output, res.output
    res = runner.invoke(app, ["--db", str(db), "data", "fetch", "bns", "4289", "--file", str(export), "--offline"],
                        env=env)
    assert res.exit_code == 2 and "--offline and --url do not apply" in res.output
    res = runner.invoke(app, ["--db", str(db), "data", "bns", "list", "--lang", "ru", "-o", str(tmp_path / "r.json")],
                        env=env)
    assert res.exit_code == 0, res.output
    listed = (tmp_path / "r.json").read_text(encoding="utf-8")
    for table in ("6584", "6548", "6550", "6547", "6567", "4289", "4296", "5546", "5791"):
        assert f'"{table}"' in listed
