"""CLI commands: ``territoria report profile UNIT``, ``report ranking``, ``report trends`` and ``report
summary`` (HTML, PDF, XLSX, DOCX)."""

from __future__ import annotations

from pathlib import Path

import typer

from territoria.errors import DataError
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.lookup import resolve_unit
from territoria.interfaces.output import plain, print_table
from territoria.report import service
from territoria.report.assessed import rank_intervals
from territoria.report.charts import index_trends, national_reference
from territoria.report.document import profile_document, ranking_document
from territoria.report.i18n import t
from territoria.report.messages import term
from territoria.report.render import write
from territoria.report.summary import summary_document
from territoria.report.workbook import assessment_sheets, document_sheets, write_workbook
from territoria.store import Store

__all__ = ["profile_cmd", "ranking_cmd", "summary_cmd"]

report_app = typer.Typer(help="Reports in ru / kk / en: a unit's profile, a ranking, a summary (HTML, PDF, XLSX, "
                         "DOCX).", no_args_is_help=True)
app.add_typer(report_app, name="report", rich_help_panel="Reports and web")

_LANG = typer.Option("ru", "--lang", help="ru, kk or en.")
_OUT = typer.Option(None, "-o", "--output",
                    help="File(s) to write, by suffix .html / .pdf / .xlsx (repeatable). Default: UNIT.html.")


_ASSESSMENT = typer.Option(None, "--assessment", help="Stored assessment to use (`territoria assessments`); "
                           "NAME or NAME@VERSION for an older version; default: the latest one of the "
                           "unit's own level.")
_ASSESSMENT_RANKING = typer.Option(None, "--assessment", help="Stored assessment to rank (`territoria "
                                   "assessments`), NAME or NAME@VERSION; default: the latest assessment "
                                   "of the regions.")


def _check_lang(lang: str) -> str:
    if lang not in ("ru", "kk", "en"):
        raise DataError(f"--lang {lang!r}: expected one of ru, kk, en")
    return lang


def _write(doc, outputs: list[Path]) -> None:
    for path in outputs:
        write(doc, path)
        console.print(f"[green]Wrote[/] {plain(path)}")


@report_app.command("profile")
def profile_cmd(
    unit: str = typer.Argument(..., help="Unit code or name, e.g. 595220100 or Mamlyutka."),
    lang: str = _LANG,
    output: list[Path] = _OUT,
    year: int | None = typer.Option(None, "--year", help="Assessment year (default: the assessment's)."),
    assessment: str | None = _ASSESSMENT,
) -> None:
    """A settlement's, district's or region's profile: the indicators by year in the seeds' layout,
    sub-index radar, trends, rank with its uncertainty interval, groups, type, status, weaknesses,
    risk flags and the recommended mechanisms by horizon.

    The rank and weaknesses come from the latest stored assessment of the unit's own level (or
    --assessment); a unit no assessment of its level rates shows its region's, and says so."""

    lang = _check_lang(lang)
    with Store(state.db, read_only=True) as store:
        code = resolve_unit(store, unit)
        doc = profile_document(store, code, lang=lang, result=_chosen(store, code, assessment, year))
    console.print(f"[bold]{plain(doc.title)}[/] — {plain(doc.subtitle)}")
    console.print(f"[dim]{plain(doc.meta['assessment_note'] or 'no assessment rates this unit or its region')}[/]")
    outputs = output or [Path(f"profile_{code}_{lang}.html")]
    for book in [p for p in outputs if p.suffix.lower() == ".xlsx"]:
        write_workbook(document_sheets(doc), book, lang=lang)  # formatted: widths, frozen filtered headers
        console.print(f"[green]Wrote[/] {plain(book)}")
    _write(doc, [p for p in outputs if p.suffix.lower() != ".xlsx"])


def _chosen(store, code: str, assessment: str | None, year: int | None):
    """The assessment --assessment / --year ask for; None leaves the choice to the profile (its own level)."""

    if assessment is None and year is None:
        return None
    try:
        service.assessment(store, name=assessment, unit=code)
        target = code
    except DataError:
        if assessment is not None:
            raise
        target = service.unit_region(store, code)  # shown as its region's, and the profile says so
    return service.assessment(store, name=assessment, unit=target, year=year)


@report_app.command("ranking")
def ranking_cmd(
    scope: str | None = typer.Argument(None, help="A region (code or name) or a Store unit list; default: all."),
    lang: str = _LANG,
    output: list[Path] = _OUT,
    year: int | None = typer.Option(None, "--year", help="Assessment year (default: the assessment's)."),
    assessment: str | None = _ASSESSMENT_RANKING,
) -> None:
    """Ranking report: table with rank intervals, map, distribution of levels and the watch list."""

    lang = _check_lang(lang)
    with Store(state.db, read_only=True) as store:
        if scope is not None and store.unit_list(scope).empty:
            scope = resolve_unit(store, scope)
        result = service.assessment(store, name=assessment, year=year)
        doc = ranking_document(store, lang=lang, scope=scope, result=result)
        books = [p for p in output or [] if p.suffix.lower() == ".xlsx"]
        if books:
            names = store.units()[f"name_{lang}"]
            sheets = assessment_sheets(result, names=names.where(names.fillna("") != "", store.units()["name_ru"]),
                                       intervals=rank_intervals(result), sources=store.sources(), lang=lang,
                                       catalogue=store.catalogue)
            # the report's watch list (settlements and districts with their region's rank) after the ranking
            sheets[1:1] = [sheet for sheet in document_sheets(doc) if sheet.key == "watch"]
    console.print(f"[dim]Assessment used: {plain(service.assessment_label(result))}[/]")
    print_table(doc.section("ranking").table, title=f"{doc.title} — {doc.subtitle}", console=console,
                keys=["unit", "name"])
    for book in books:  # the assessment's workbook: ranking, blocks, uncertainty, diagnosis, mechanisms, data...
        write_workbook(sheets, book, lang=lang, catalogue=store.catalogue)
        console.print(f"[green]Wrote[/] {plain(book)}")
    _write(doc, [p for p in output if p.suffix.lower() != ".xlsx"] if output else
           [Path(f"ranking_{scope or 'regions'}_{lang}.html")])


@report_app.command("trends")
def trends_cmd(
    units: list[str] = typer.Argument(None, help="Unit codes or names: one unit, or up to 8 to compare."),
    unit_list: str | None = typer.Option(None, "--list", help="A Store unit list instead of UNITS (up to 8)."),
    lang: str = _LANG,
    output: Path = typer.Option(..., "-o", "--output", help="The chart as an .html file (opens offline)."),
    assessment: str | None = _ASSESSMENT,
) -> None:
    """The composite index and each block over the years (one small chart each) for a unit or a group
    of units, with the national value (the mean of the assessed units) dashed.

    Needs an assessment of several years (a spec with `years: [...]`, stored with `assess --name`)."""

    lang = _check_lang(lang)
    if output.suffix.lower() not in (".html", ".htm"):
        raise DataError(f"{output}: the trends chart is written as .html, not {output.suffix or 'no suffix'!r}")
    if bool(units) == bool(unit_list):
        raise DataError("report trends: give unit codes or names, or --list NAME (not both)")
    with Store(state.db, read_only=True) as store:
        codes = ([resolve_unit(store, u) for u in units] if units else
                 store.unit_list(unit_list)["code"].astype(str).tolist())
        if not codes:
            raise DataError(f"report trends: the unit list {unit_list!r} is empty or unknown")
        result = service.assessment(store, name=assessment, unit=codes[0])
        names = store.units(codes=codes)
    scores = result.tables["aggregated"]
    if "year" not in scores.index.names or scores.index.get_level_values("year").nunique() < 2:
        raise DataError(f"report trends: assessment {service.assessment_label(result)} rates one year; the trends "
                        "need an assessment of several years (a spec with `years: [...]`, stored with "
                        "`territoria assess --spec SPEC --name NAME`)")
    shown = [result.root, *[c for c in result.aggregates if c != result.root]]
    label = {c: term("block", c, lang) for c in shown}
    name_col = f"name_{lang}"
    fig = index_trends(scores, units=codes, codes=shown, national=national_reference(scores[shown]),
                       names={c: str(names.loc[c, name_col] or names.loc[c, "name_ru"]) for c in codes},
                       labels=label, national_name=t("national_mean", lang),
                       title=f"{t('trends', lang)}: {service.assessment_label(result)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(output, include_plotlyjs=True, full_html=True)
    console.print(f"[green]Wrote[/] {output}")


_ASSESSMENT_SUMMARY = typer.Option(None, "--assessment", help="Stored assessment to summarise (`territoria "
                                   "assessments`), NAME or NAME@VERSION; default: the latest assessment of "
                                   "the regions.")
_OUT_SUMMARY = typer.Option(None, "-o", "--output", help="File(s) to write, by suffix .html / .pdf / .docx / .xlsx "
                            "(repeatable). Default: summary_NAME_LANG.html.")


@report_app.command("summary")
def summary_cmd(
    lang: str = _LANG,
    output: list[Path] = _OUT_SUMMARY,
    assessment: str | None = _ASSESSMENT_SUMMARY,
    top: int | None = typer.Option(None, "--top", min=1, help="How many of the most vulnerable units to describe "
                                   "(default: a quarter of the units, 5 to 10)."),
) -> None:
    """One summary report of an assessment: the most vulnerable units and why, how certain their ranks
    are (in plain words), the groups of settlements, a map, the trends over the years and the
    mechanisms by horizon."""

    lang = _check_lang(lang)
    with Store(state.db, read_only=True) as store:
        result = service.assessment(store, name=assessment)
        doc = summary_document(store, result, lang=lang, n_top=top)
    console.print(f"[dim]Assessment used: {plain(service.assessment_label(result))}[/]")
    console.print(f"[bold]{plain(doc.title)}[/] — {plain(doc.subtitle)}")
    _write(doc, output or [Path(f"summary_{doc.meta['assessment']}_{lang}.html")])
