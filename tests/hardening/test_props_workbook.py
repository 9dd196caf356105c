"""Property: the statistics office's workbook reader (``ingest.profiles`` + ``ingest.workbook``) on
mutations of the REAL BNS population workbook of 1 January 2023 (tests/ingest/fixtures, with its citation):
cells replaced by office symbols, text, NaN, infinities, huge or negative numbers; rows deleted or repeated;
the title's date changed. The result is values matched to KATO with finite numbers, or a ProfileError whose
every problem names the file, the sheet and the row; never another exception.

The sheets are read from the workbook once and mutated in memory (reading the file takes ~0.6 s); a few
examples go through the whole file path (openpyxl save and ``read_with_profile``), and an import into a Store
copy checks that a refused workbook leaves every table unchanged.
"""

from __future__ import annotations

import copy
import math
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from props_mutate import CELL_TEXTS, examples, store_digests

from territoria.errors import SpecError, TerritoriaError
from territoria.ingest.bundled import bundled_units
from territoria.ingest.profiles import ProfileError, _read_body, import_with_profile, load_profile, read_with_profile
from territoria.ingest.workbook import Sheet, cell_value, col, reference_date
from territoria.store import Store

WORKBOOK = (Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
            / "bns_population_by_sex_and_area_2023-01-01.xlsx")
PROFILE = load_profile("bns_population_sex_area")
UNITS = bundled_units().reset_index() if "code" not in bundled_units().columns else bundled_units()
FILE = "bns_2023.xlsx"


def _sheets() -> dict[str, Sheet]:
    book = openpyxl.load_workbook(WORKBOOK, data_only=True)
    try:
        return {s: Sheet(book[s], col(PROFILE["stub_column"])) for s in PROFILE["sheets"]}
    finally:
        book.close()


SHEETS = _sheets()
CELL = st.one_of(st.sampled_from(CELL_TEXTS), st.sampled_from([None, math.nan, math.inf, -math.inf, -5, 1e300, 0.5]),
                 st.integers(-10**12, 10**12), st.text(max_size=8))
TITLES = ["на 1 января 2023 года", "на 31 февраля 2023 года", "на 0 января 2023 года", "на 1 январь 2023 года",
          "на 99 декабря 9999 года", "на 1 января 0 года", "", "Численность населения"]


def _read(sheets: dict[str, Sheet]):
    """What read_with_profile does once the workbook is open."""
    first = next(iter(sheets))
    title = " ".join(str(sheets[first].cell(1, 1) or "").split())
    when = reference_date(title, PROFILE)
    if when is None:
        raise ProfileError(FILE, [])
    return _read_body(PROFILE, sheets, UNITS, FILE, when)


@st.composite
def mutated_sheets(draw) -> dict[str, Sheet]:
    sheets = {}
    for name, sheet in SHEETS.items():
        new = copy.copy(sheet)
        new.rows, new.bold = [list(r) for r in sheet.rows], list(sheet.bold)
        sheets[name] = new
    for _ in range(draw(st.integers(1, 3))):
        sheet = sheets[draw(st.sampled_from(sorted(sheets)))]
        op = draw(st.sampled_from(["cell", "cell", "cell", "delete_row", "repeat_row", "title"]))
        r = draw(st.integers(0, len(sheet.rows) - 1))
        if op == "cell":
            c = draw(st.integers(0, min(len(sheet.rows[r]), 8) - 1))
            sheet.rows[r][c] = draw(CELL)
        elif op == "delete_row":
            del sheet.rows[r], sheet.bold[r]
        elif op == "repeat_row":
            sheet.rows.insert(r, list(sheet.rows[r]))
            sheet.bold.insert(r, sheet.bold[r])
        else:
            first = sheets[next(iter(sheets))]
            first.rows[0][0] = draw(st.sampled_from(TITLES))
    return sheets


def _check_problems(exc: BaseException) -> None:
    assert isinstance(exc, TerritoriaError), f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ProfileError):
        assert FILE in str(exc)
        for p in exc.problems:
            assert p.file == FILE and p.sheet in PROFILE["sheets"], p


def test_unchanged_sheets_read():
    result = _read(SHEETS)
    assert result.reference_date.isoformat() == "2023-01-01" and len(result.observations) > 0


@examples(25)
@given(mutated_sheets())
def test_mutated_workbook_reads_or_locates_every_problem(sheets):
    try:
        result = _read(sheets)
    except Exception as exc:  # the property is about which exceptions come out
        _check_problems(exc)
        return
    assert result.observations["value"].map(math.isfinite).all()
    assert result.values.loc[result.values["flag"] == "ok", "value"].map(math.isfinite).all()
    assert result.observations["unit"].notna().all()


@examples(200)
@given(CELL)
def test_cell_value_is_finite_a_symbol_or_none(raw):
    got = cell_value(raw, PROFILE["symbols"])
    assert got is None or got[0] is None or math.isfinite(got[0])


@examples(4)
@given(st.sampled_from(TITLES), st.integers(8, 60), st.sampled_from([None, "nan", "inf", -1, "х", "1 000"]))
def test_mutated_workbook_file_imports_whole_or_not_at_all(bundled_store_path, tmp_path_factory, title, row, cell):
    tmp = tmp_path_factory.mktemp("workbook")
    path, db = tmp / FILE, tmp / "store.duckdb"
    book = openpyxl.load_workbook(WORKBOOK)
    sheet = book[next(iter(PROFILE["sheets"]))]
    sheet.cell(1, 1).value = title
    sheet.cell(row, 2).value = cell
    book.save(path)
    shutil.copy(bundled_store_path, db)
    with Store(db) as store:
        before = store_digests(store)
        try:
            import_with_profile(store, path, PROFILE)
        except Exception as exc:  # the property is about which exceptions come out
            assert isinstance(exc, TerritoriaError), f"{type(exc).__name__}: {exc}"
            assert store_digests(store) == before, "a refused workbook changed the Store"
            return
    result = read_with_profile(path, UNITS, PROFILE)
    assert result.observations["value"].map(math.isfinite).all()


# -- regressions found by the properties above -------------------------------------------------------------

@pytest.mark.parametrize("title", ["на 31 февраля 2023 года", "на 0 января 2023 года", "на 1 января 0 года"])
def test_impossible_reference_date_is_no_date(title):
    """Was ValueError from datetime.date; read_with_profile now refuses the workbook with its title cell."""
    assert reference_date(title, PROFILE) is None


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-inf", "1e999", math.nan, math.inf])
def test_non_finite_cell_is_not_a_number(raw):
    """Were (nan, 'ok') / (inf, 'ok'): a NaN passed every row identity (comparisons with NaN are False)."""
    assert cell_value(raw, PROFILE["symbols"]) is None


def test_profile_error_is_the_projects_own():
    assert issubclass(ProfileError, TerritoriaError) and not issubclass(SpecError, ProfileError)


def test_unreadable_measure_cell_is_a_located_problem():
    """Was KeyError('total') / KeyError('male'): a row whose measure cell is not a number was still used in the
    district check and the row identities."""
    sheets = {}
    for name, sheet in SHEETS.items():
        new = copy.copy(sheet)
        new.rows, new.bold = [list(r) for r in sheet.rows], list(sheet.bold)
        sheets[name] = new
    first = sheets[next(iter(sheets))]
    row = next(i for i, r in enumerate(first.rows) if i > 8 and isinstance(r[1], int | float))
    first.rows[row][1] = "н/д"
    with pytest.raises(ProfileError) as info:
        _read(sheets)
    assert any(p.row == row + 1 and p.column == "B" and p.value == "н/д" for p in info.value.problems)
