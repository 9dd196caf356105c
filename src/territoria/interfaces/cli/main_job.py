"""``territoria run``: the main job on the bundled data (what ``make run`` does).

It assesses the regions (``vulnerability_regions.yaml``) and the districts (``vulnerability_districts.yaml``)
with :func:`assess_levels`, stores both as named assessments (:func:`store_levels`), prints the 20 most
vulnerable districts with their status and reasons, checks the districts and towns the seeds name as
depressed or vulnerable against the district ranking, and writes the summary report of both assessments
(:func:`write_summaries`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.catalog.units import splits
from territoria.diagnosis import reference_gaps, risk_flags, weakest
from territoria.diagnosis.district_ranking import (
    most_vulnerable,
    seed_validation,
    validation_by_year,
    validation_summary,
    within_year_intervals,
)
from territoria.diagnosis.references import REFERENCE_INDICATORS
from territoria.diagnosis.sample import compare_samples, full_sample_spec
from territoria.dynamics.status import classify
from territoria.errors import TerritoriaError
from territoria.indicators.districts import district_view
from territoria.ingest.bundled import seed_depressed_units
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.assess import JOBS, run_panel, show_assessment
from territoria.interfaces.cli.data import load_bundled_with_progress
from territoria.interfaces.output import plain, print_table, write_table
from territoria.mechanisms import load_knowledge_base, recommend
from territoria.mechanisms.recommend import PACKAGE_SIZE
from territoria.report import service
from territoria.report.render import to_html, to_pdf
from territoria.report.summary import settlement_groups, summary_document
from territoria.store import Store
from territoria.store.assessments import save_assessment
from territoria.store.bundle import SEED_LISTS

#: The seeds' two worked towns (Turkeeva, Omarov & Abilkaiyr 2022, tables 1–2).
SEED_TOWNS = {"593620100": "Bulaevo", "595220100": "Mamlyutka"}


def _level_summary(store) -> pd.DataFrame:
    return store.query("""
        SELECT u.level, count(*) AS units, count(u.population) AS with_population,
               count(u.lat) AS with_coordinates,
               count(DISTINCT o.unit) AS with_observations
        FROM units u LEFT JOIN (SELECT DISTINCT unit FROM observations) o ON o.unit = u.code
        GROUP BY u.level
        ORDER BY CASE u.level WHEN 'country' THEN 0 WHEN 'region' THEN 1 WHEN 'district' THEN 2
                 WHEN 'rural_district' THEN 3 ELSE 4 END""")


def _seed_profile(store, code: str) -> pd.DataFrame:
    obs = store.observations(units=[code])
    if obs.empty:
        return obs
    table = obs.pivot(index="indicator", columns="year", values="value")
    table.columns = [str(c) for c in table.columns]
    names = {i.id: i.name.en for i in store.catalogue}
    table.insert(0, "name", [names.get(i, i) for i in table.index])
    return table.reset_index()


@app.command("run", rich_help_panel="Start here")
def run_command(
    output_dir: Path = typer.Option(Path("out"), "--output-dir", help="Folder for the result files."),
    fresh: bool = typer.Option(True, "--fresh/--keep", help="Start from an empty Store (default) or keep it."),
    year: int | None = typer.Option(None, "--year", help="Assessment year (default: the spec's)."),
    write_summary: bool = typer.Option(True, "--summary/--no-summary", help="Write the summary report of both "
                                       "assessments (HTML in Russian; the regions' also as PDF)."),
    jobs: int = JOBS,
) -> None:
    """Load the bundled data into a fresh Store, show what it holds, assess the regions and the districts."""

    output_dir.mkdir(parents=True, exist_ok=True)
    if fresh and state.db.exists():
        state.db.unlink()
        Path(str(state.db) + ".wal").unlink(missing_ok=True)
    with Store(state.db) as store:
        load_bundled_with_progress(store, assess=False)  # the regions are assessed once, below
        summary = _level_summary(store)
        print_table(summary, title=f"Units in the Store ({state.db})", console=console)
        coverage = store.coverage(level="region")
        system = coverage[coverage["block"].fillna("") != ""]
        print_table(system, title="Coverage of the method's indicators at region level", console=console)
        write_table(coverage, output_dir / "coverage_regions.csv")
        districts = store.coverage(level="district")
        slots = sum(1 for i in districts["indicator"] if i in store.catalogue and store.catalogue[i].slot)
        print_table(districts[districts["block"].fillna("") != ""], console=console,
                    title=f"Coverage of the method's indicators at district level ({slots} of 34 slots)")
        write_table(districts, output_dir / "coverage_districts.csv")
        for code, name in SEED_TOWNS.items():
            profile = _seed_profile(store, code)
            if not profile.empty:
                print_table(profile, title=f"{name} ({code}) — the seed's settlement table", console=console)
                write_table(profile, output_dir / f"profile_{name.lower()}.csv")
        seed_list = pd.concat([store.unit_list(name) for name in SEED_LISTS.values()], ignore_index=True)
        levels = assess_levels(store, output_dir, year, n_jobs=jobs)
        store_levels(store, levels)
        result = levels.regions
        _show_sample(store, result, output_dir)
        if not seed_list.empty:
            _show_seed_list(seed_list, result, store.crosswalk(), output_dir)
        _write_districts_view(store, output_dir)
        _show_seed_town_status(store, output_dir)
        _show_package_for_last(store, result, output_dir)
        _show_district_ranking(store, levels, output_dir)
        if write_summary:
            write_summaries(store, output_dir)
    console.print(f"[green]Results in[/] {plain(output_dir)}/")


def write_summaries(store, output_dir: Path, *, lang: str = "ru") -> list[Path]:
    """The summary report of each stored bundled assessment (regions, districts) as HTML, and the regions'
    also as PDF (one Chromium run: printing costs a browser start). Returns the files written."""

    written = []
    groups = settlement_groups(store)  # the same settlements' groups in both summaries
    for level in ("region", "district"):
        result = service.assessment(store, level=level)
        doc = summary_document(store, result, lang=lang, groups=groups)
        html = output_dir / f"summary_{doc.meta['assessment']}_{lang}.html"
        html.write_text(to_html(doc), encoding="utf-8")
        written.append(html)
        if level == "region":
            try:
                written.append(to_pdf(to_html(doc, static=True), html.with_suffix(".pdf")))
            except TerritoriaError as exc:  # no Chromium on this machine: the HTML stands, said so
                console.print(f"[yellow]Summary PDF not written:[/] {plain(str(exc))}")
    for path in written:
        console.print(f"[green]Wrote[/] {plain(path)}")
    return written


def district_spec_path() -> Path:
    """The bundled district spec (``examples/vulnerability_districts.yaml`` links to it)."""
    return Path(str(resources.files("territoria.assess").joinpath("specs/vulnerability_districts.yaml")))


@dataclass
class LevelAssessments:
    """The two bundled assessments of ``make run`` and the district rank intervals."""

    regions: Any
    districts: Any
    district_year: int
    district_intervals: pd.DataFrame
    district_run: Any
    region_run: Any = None


def assess_levels(store, output_dir: Path, year: int | None = None, *, n_jobs: int | None = None) -> LevelAssessments:
    """Assess the regions and the districts of ``store`` with the bundled specs; write their tables.

    The regions: the bundled regional spec (its year, or ``year``), with Monte-Carlo rank intervals.
    The districts: the district spec's panel of years, goalposts fixed across years, and rank intervals
    within each year from the same Monte-Carlo runs; the headline year is the spec's latest.
    ``n_jobs``: threads of the runs and the Monte-Carlo runs (None = 1, -1 = every core; same results).
    """

    panel = store.panel(level="region")
    regions, region_run = run_panel(panel, year=year, n_jobs=n_jobs)
    show_assessment(regions, region_run, panel=panel, output_dir=output_dir)
    spec = AssessmentSpec.from_yaml(district_spec_path())
    years = spec.year_list or []
    districts = Assessment(spec).run(store.panel(level="district", years=years), n_jobs=n_jobs)
    intervals, run = within_year_intervals(districts, n_jobs=n_jobs)
    frame = districts.to_frame().join(intervals)
    names = store.units(level="district")["name_en"]
    frame.insert(0, "name", names.reindex(frame.index.get_level_values("unit")).to_numpy())
    write_table(frame.reset_index(), output_dir / f"{spec.name}.csv")
    districts.save(output_dir / f"{spec.name}_result")
    return LevelAssessments(regions, districts, max(years), intervals, run, region_run)


def store_levels(store, levels: LevelAssessments) -> list[str]:
    """Store both Results as named assessments (their specs' names); a no-op for an unchanged one.

    The regions' uncertainty summary is their Monte-Carlo run (``load_bundled`` was told not to store its
    own); the districts' holds the within-year rank intervals. Returns the labels stored.
    """

    districts = levels.districts
    frame = districts.to_frame()
    ranks = frame[[districts.root, "rank"]].rename(columns={districts.root: "score"}).join(levels.district_intervals)
    summary = replace(levels.district_run, ranks=ranks)
    labels = []
    for result, uncertainty in ((levels.regions, levels.region_run), (districts, summary)):
        stored = save_assessment(store, result, name=result.spec.name, uncertainty=uncertainty)
        labels.append(stored.label)
        state_word = "stored" if stored.created else "already stored (same spec and data)"
        console.print(f"Assessment {plain(stored.label)}: {plain(state_word)}")
    return labels


def _show_district_ranking(store, levels: LevelAssessments, output_dir: Path) -> None:
    """The 20 most vulnerable districts of the latest year, and the seeds' territories against the ranking."""

    result, year = levels.districts, levels.district_year
    units = store.units()
    names = units["name_en"]
    labels = {i.id: i.name.en for i in store.catalogue}
    gaps = reference_gaps(result, year=year)
    status = classify(store.observations(level="district"))
    top = most_vulnerable(result, year, names=names, labels=labels, weakest=weakest(gaps, n=2),
                          intervals=levels.district_intervals, status=status)
    n = int((result.to_frame().index.get_level_values("year") == year).sum())
    raw_year = result.tables["denominated"].xs(year, level="year")
    used = ", ".join(c for c in raw_year.columns if raw_year[c].notna().any())
    # the terminal gets the columns a reader needs, the interval as one cell; the CSV keeps every column
    shown = top[["rank", "name", "region", "grade", "status", "reasons"]].copy()
    shown.insert(4, "rank_5_95", [f"{lo:.0f}–{hi:.0f}" if pd.notna(lo) else "—"
                                  for lo, hi in zip(top["rank_p05"], top["rank_p95"], strict=True)])
    print_table(shown, title=f"The 20 most vulnerable of {n} districts and city administrations in {year} "
                f"(rank {n} = most vulnerable; 5–95 % interval of {levels.district_run.n_runs} Monte-Carlo runs; "
                f"indicators with values in {year}: {used})", console=console)
    write_table(top, output_dir / f"districts_most_vulnerable_{year}.csv")
    frame = result.to_frame().xs(year, level="year")
    leaves = list(result.tables["denominated"].columns)
    table = seed_validation(seed_depressed_units(), frame["rank"], units=units,
                            scores=result.tables["aggregated"].xs(year, level="year")[leaves],
                            raw=result.tables["denominated"].xs(year, level="year"), labels=labels)
    shown = table[["name_in_seed", "seed", "assessed_name", "rank", "of", "worst_quintile", "why"]]
    print_table(shown, title=f"Validation: the territories the seeds name as depressed or vulnerable against "
                f"the district ranking of {year} (worst quintile = rank above {0.8 * n:.0f} of {n})",
                console=console, max_rows=len(shown))
    summary = validation_summary(table)
    print_table(summary, title="Validation summary", console=console)
    by_year = validation_by_year(seed_depressed_units(), result.ranks, units=units,
                                 indicators=result.tables["denominated"])
    print_table(by_year, title="The seeds' district-level units in the worst quintile, year by year",
                console=console)
    write_table(by_year, output_dir / "districts_seed_validation_by_year.csv")
    write_table(table, output_dir / f"districts_seed_validation_{year}.csv")
    write_table(summary, output_dir / f"districts_seed_validation_summary_{year}.csv")


def _write_districts_view(store, output_dir: Path) -> None:
    """District view of the six regions the seeds studied: population and net migration per 1,000 (file)."""

    view = district_view(store.panel(level="district"))
    view = view[["code", "name", *[c for c in view.columns if c not in ("code", "name")]]]
    write_table(view, output_dir / "districts_seed_regions.csv")


def _show_seed_town_status(store, output_dir: Path) -> None:
    """Development or decline of the seeds' towns, from the status rules and their published series."""

    status = classify(store.observations(units=list(SEED_TOWNS))).reset_index()
    status.insert(1, "name", status["unit"].map(SEED_TOWNS))
    print_table(status[["unit", "name", "status", "facts"]], title="Status of the seeds' towns", console=console)
    write_table(status, output_dir / "status_seed_towns.csv")


def _show_sample(store, result, output_dir: Path) -> None:
    """The regions whose grade changes when the units the spec leaves out (the large cities) are put back."""
    if not result.excluded:
        return
    spec = full_sample_spec(result.spec)
    full = Assessment(spec.model_copy(update={"uncertainty": None})).run(store.panel(level=spec.units.level))
    table = compare_samples(result, full, changed_only=True)
    table.insert(1, "name", table["unit"].map(store.units()["name_en"]).to_numpy())
    print_table(table, console=console, title=f"Grades without and with the {len(result.excluded)} units left out "
                f"of the sample ({result.spec.units.exclude_reason or 'units.exclude'})")
    write_table(compare_samples(result, full), output_dir / f"{result.spec.name}_sample_comparison.csv")


def _show_package_for_last(store, result, output_dir: Path) -> None:
    """Diagnosis and the package of mechanisms for the region ranked last."""

    last = str(result.ranks.astype(float).idxmax())
    obs = store.observations(units=[last])
    flags = risk_flags(obs, national=store.observations(units=["KZ"]),
                       regional=store.observations(level="region", indicators=list(REFERENCE_INDICATORS)))
    weak = weakest(reference_gaps(result), n=5, units=[last])
    status = classify(obs)
    row = status.loc[last] if last in status.index else None
    package = recommend(last, load_knowledge_base(None), flags=flags, weak=weak,
                        status=None if row is None else row["status"],
                        status_facts="" if row is None else row["facts"],
                        region_names=store.units(level="region")["name_en"].to_dict())
    name = store.units(codes=[last]).iloc[0]["name_en"]
    shown = [c for c in ("horizon", "years", "priority", "mechanism", "name", "score", "score_detail", "sources")
             if c in package]
    print_table(package[package["priority"] <= PACKAGE_SIZE][shown], console=console,
                title=f"Mechanisms for the region ranked last: {name} ({last}) — the {PACKAGE_SIZE} best-scored of "
                f"each horizon; all {len(package)} that fit are in mechanisms_{last}.csv")
    write_table(package, output_dir / f"mechanisms_{last}.csv")


def _show_seed_list(seed_list: pd.DataFrame, result, crosswalk: pd.DataFrame, output_dir: Path) -> None:
    """The seeds' depressed districts and towns beside the rank and grade of their region.

    A unit of a region created after the assessed year (Abai in 2022) is shown with the region it
    belonged to then (East Kazakhstan).
    """

    ranks = result.ranks.astype("Int64")
    then = {part: s.old for s in splits(crosswalk) if s.keeps_code for part in s.parts if part != s.old}
    region = (seed_list["code"].str[:2] + "0000000").map(lambda r: r if r in ranks.index else then.get(r, r))
    table = pd.DataFrame({
        "unit": seed_list["code"], "name": seed_list["name_en"], "level": seed_list["level"],
        "status_in_seed": seed_list["status"], "region": region,
        "region_rank": region.map(ranks).to_numpy(), "region_level": region.map(result.grades).to_numpy(),
    })
    table.insert(4, "source", seed_list["citation"].str.extract(r"^(.*?\(\d{4}\))")[0].to_numpy())
    print_table(table, title=f"Depressed and vulnerable units named by the seeds, with their region's rank of "
                f"{len(ranks)} (region_level: {result.scale})", console=console)
    write_table(table, output_dir / "seed_depressed_units.csv")
