"""CLI commands of the assessment engine: ``compute`` (any wide table) and ``assess`` (the Store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.tree import Tree

from territoria.assess.inputs import select_years
from territoria.assess.io import read_wide_table
from territoria.assess.pipeline import KEEP, Assessment
from territoria.assess.spec import AssessmentSpec, default_spec_path
from territoria.errors import DataError, SpecError
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.data import data_app
from territoria.interfaces.cli.users import audit_cli
from territoria.interfaces.console import parse_columns
from territoria.interfaces.output import plain, print_table, write_table
from territoria.report.messages import Translator
from territoria.report.workbook import assessment_sheets, sheet_title, write_workbook
from territoria.store import Store
from territoria.store.assessments import save_assessment
from territoria.store.export import neutralise_formulas

__all__ = ["JOBS", "assess", "assess_panel", "check_jobs", "compute", "default_spec_path", "export_parquet",
           "local_jobs", "read_wide_table", "run_panel", "show_assessment", "tree"]


_COLUMNS = typer.Option(None, "--columns", help="Columns to show, comma-separated or repeated (the unit, the "
                        "composite, rank and level are always shown); a table wider than the terminal says what "
                        "it left out.")
_HINT = "pick them with --columns or write every column with -o FILE"


def check_jobs(value: int) -> int:
    """``--jobs``: a positive number of threads, or -1 for every core (Typer has already refused a
    value that is not an integer)."""
    if value == 0 or value < -1:
        raise typer.BadParameter(f"{value}: expected a positive number of threads (1, 2, ...) or -1 for every core",
                                 param_hint="--jobs")
    return value


def local_jobs(jobs: int, engine: str) -> int | None:
    """``n_jobs`` for ``Assessment.run`` / ``Result.uncertainty``: the threads of the local engine; a Dask
    cluster sets its own (``--jobs`` other than 1 with ``--engine dask`` is an error)."""
    if engine == "local":
        return jobs
    if jobs != 1:
        raise typer.BadParameter("threads apply to --engine local; a Dask cluster sets its own workers and threads",
                                 param_hint="--jobs")
    return None


#: ``--jobs N`` of the commands that run an assessment (and its Monte-Carlo runs).
JOBS = typer.Option(1, "--jobs", callback=check_jobs, help="Threads that share the work of the assessment and its "
                    "Monte-Carlo runs: N, or -1 for every core (default 1). The results are the same, bit for bit, "
                    "whatever the number.")


def _keys(frame: pd.DataFrame, result: Any, first: list[str]) -> list[str]:
    """The columns every print of a ranking keeps: the unit, its name, the composite, rank, level, interval."""
    wanted = [*first, result.root, "rank", "level", "rank_p05", "rank_p95"]
    return [c for c in dict.fromkeys(wanted) if c in frame.columns]


def _show(result: Any, title: str, id_name: str, columns: list[str] | None = None) -> pd.DataFrame:
    frame = result.output_table()
    if isinstance(frame.index, pd.MultiIndex):
        frame.index.names = [id_name, *frame.index.names[1:]]
    else:
        frame.index.name = id_name
    frame = frame.reset_index()
    print_table(frame, title=title, console=console, max_rows=30, keys=_keys(frame, result, [id_name]),
                columns=parse_columns(columns), hint=_HINT)
    return frame


@app.command("compute", rich_help_panel="Assessment")
def compute(
    spec: Path = typer.Argument(..., help="Assessment spec (YAML), e.g. examples/svi_2020.yaml."),
    data: Path = typer.Option(..., "--data", help="Wide table: one row per unit, one column per indicator."),
    id_column: str = typer.Option(..., "--id-column", help="Column holding the unit id (kept as text)."),
    year_column: str | None = typer.Option(None, "--year-column", help="Column holding the year: the table is a "
                                           "panel (one row per unit and year; ranks and grades within each year)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Output table (.csv/.xlsx/.json/.parquet)."),
    save: Path | None = typer.Option(None, "--save", help="Folder to save the full Result (parquet + JSON)."),
    engine: str = typer.Option("local", "--engine", help="local (default) or dask (same results)."),
    cluster: str | None = typer.Option(None, "--cluster", help="Dask scheduler address; default: a LocalCluster."),
    columns: list[str] | None = _COLUMNS,
    jobs: int = JOBS,
    keep: str = typer.Option("all", "--keep", help="all (default): hold every stage table; scores: hold only the "
                             "aggregates, ranks and grades (the same ranking and step record, less memory; an "
                             "output section that reads the indicators then says to use --keep all)."),
) -> None:
    """Compute a composite index from a spec on any wide table (reproduce published indices).

    With --year-column the table holds several years: the spec's year/years select among them (without
    them every year is kept), goalposts follow normalise.reference, ranks are within each year.
    """

    if keep not in KEEP:
        raise typer.BadParameter(f"{keep!r}: expected one of {', '.join(KEEP)}", param_hint="--keep")
    n_jobs = local_jobs(jobs, engine)
    assessment = Assessment(spec)
    table = read_wide_table(data, id_column, year_column=year_column)
    try:
        select_years(assessment.spec, table, strict=True)      # year(s) without a year column: an error
        result = assessment.run(table, engine=engine, cluster=cluster, n_jobs=n_jobs, keep=keep)
        frame = _show(result, f"{assessment.spec.name} — {len(result.tables['aggregated'])} units", id_column,
                      columns)
    except SpecError as exc:
        if exc.file is not None:
            raise
        raise SpecError(exc.path, f"{exc.message} (data: {data})", file=str(spec)) from None
    except DataError as exc:
        rows = {unit: position + 2 for position, unit in enumerate(table.index)}  # header is row 1
        unit = next((u for u in rows if f"unit {u!r}" in str(exc)), None)
        where = f"{data}, row {rows[unit]} ({id_column} {unit!r})" if unit is not None else str(data)
        raise DataError(f"{where}: {exc}") from None
    if keep != "all":
        if any(getattr(rule, "coverage", None) is not None for rule in assessment.spec.node_rules().values()):
            console.print("--keep scores: a score a coverage rule withheld is blank; --keep all lists which and why")
        withheld = pd.DataFrame()
    else:
        withheld = result.withheld
    if len(withheld):                  # scores left blank by a coverage rule: say which and why
        print_table(withheld.drop(columns=["present", "children", "rule", "need", "code"]),
                    title=f"{len(withheld)} score(s) withheld by a coverage rule", console=console, max_rows=30)
    if output is not None:
        write_table(frame, output)
        console.print(f"[green]Wrote[/] {plain(output)}")
    if save is not None:
        result.save(save)
        console.print(f"[green]Saved the Result in[/] {plain(save)}/")


def assess_panel(panel: Any, *, output_dir: Path | None = None, year: int | None = None,
                 spec_path: Path | None = None, output: Path | None = None, uncertainty: bool = True,
                 audit: Path | None = None, engine: str = "local", cluster: str | None = None,
                 store_as: str | None = None, db: Path | None = None, columns: list[str] | None = None,
                 lang: str = "en", sources: pd.DataFrame | None = None, n_jobs: int | None = None) -> Any:
    """Run a spec (default: the bundled vulnerability spec) on a Panel, print and write the ranking.

    With ``uncertainty`` the ranking carries each unit's median rank and 5–95 % rank interval from
    the spec's Monte-Carlo section, and the Sobol indices of the uncertain choices are printed.
    An ``output`` ending in .xlsx is the assessment's workbook (:mod:`territoria.report.workbook`) with
    headers and names in ``lang`` and ``sources`` on its last sheet.
    With ``store_as`` the Result (with its uncertainty summary) is stored under that name in the
    Store ``db`` (:func:`territoria.store.assessments.save_assessment`): a no-op when nothing changed.
    ``n_jobs``: threads of the local engine for the run and the Monte-Carlo runs (None = 1, -1 = every
    core); the results do not depend on it.
    """

    result, analysis = run_panel(panel, year=year, spec_path=spec_path, uncertainty=uncertainty, engine=engine,
                                 cluster=cluster, n_jobs=n_jobs)
    show_assessment(result, analysis, panel=panel, output_dir=output_dir, output=output, audit=audit,
                    columns=columns, lang=lang, sources=sources)
    if store_as is not None:
        _store(result, analysis, name=store_as, db=db or state.db)
    return result


def run_panel(panel: Any, *, year: int | None = None, spec_path: Path | None = None, uncertainty: bool = True,
              engine: str = "local", cluster: str | None = None, n_jobs: int | None = None) -> tuple[Any, Any]:
    """The Result of a spec (default: the bundled vulnerability spec; ``year`` overrides its years) on a
    Panel and, with ``uncertainty`` and a spec that has a Monte-Carlo section, its UncertaintyResult (else None).
    ``n_jobs``: threads of the local engine (None = 1, -1 = every core); the results do not depend on it.
    """

    spec = AssessmentSpec.from_yaml(spec_path or default_spec_path())
    if year is not None:
        spec = AssessmentSpec.from_mapping({**spec.to_mapping(), "year": year, "years": None})
    result = Assessment(spec).run(panel, engine=engine, cluster=cluster, n_jobs=n_jobs)
    analysis = None
    if uncertainty and spec.uncertainty is not None:  # a panel: intervals of ranks within each year
        analysis = result.uncertainty(progress=engine == "local", engine=engine, cluster=cluster,
                                      n_jobs=n_jobs)
    return result, analysis


def show_assessment(result: Any, analysis: Any, *, panel: Any, output_dir: Path | None = None,
                    output: Path | None = None, audit: Path | None = None, columns: list[str] | None = None,
                    lang: str = "en", sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Print the ranking of ``result`` (with the intervals and Sobol indices of ``analysis`` when given) and
    write it: ``output`` (a table, or the workbook when .xlsx), ``audit``, and into ``output_dir`` the
    ranking, sensitivity, audit workbook and saved Result named after the spec. Returns the ranking."""

    spec = result.spec
    frame = result.to_frame()
    sensitivity = None
    if analysis is not None:
        frame = frame.join(analysis.ranks[["rank_median", "rank_p05", "rank_p95"]])
        sensitivity = analysis.sensitivity.reset_index()
    names = panel.names("en") if hasattr(panel, "names") else None
    if names is not None:
        frame.insert(0, "name", names.reindex(frame.index.get_level_values(0)).to_numpy())
    frame.index.name = frame.index.name or "unit"
    frame = frame.reset_index()
    print_table(frame, title=f"{spec.name} — {spec.year_list}", console=console, max_rows=30,
                keys=_keys(frame, result, [frame.columns[0], "year", "name"]), columns=parse_columns(columns),
                hint=_HINT)
    if spec.grade.method != "none":
        console.print(f"[dim]Scale of 'level': {plain(result.scale)}[/]")
    if result.excluded:
        console.print(f"[dim]Left out of the sample: {plain(', '.join(result.excluded))}"
                      + (f" — {plain(spec.units.exclude_reason)}" if spec.units.exclude_reason else "") + "[/]")
    if sensitivity is not None:
        print_table(sensitivity, title="Sensitivity of the ranks: Sobol first-order (S1) and total (ST) indices",
                    console=console)
    audit_tables = _audit_tables(result) if (audit is not None or output_dir is not None) else None
    if output is not None and output.suffix.lower() == ".xlsx":
        sheets = assessment_sheets(result, names=panel.names(lang) if hasattr(panel, "names") else None,
                                   intervals=None if analysis is None else analysis.ranks,
                                   sensitivity=sensitivity, sources=sources, lang=lang)
        write_workbook(sheets, output, lang=lang)
        console.print(f"[green]Wrote[/] {output} ({', '.join(sheet_title(s.key, lang) for s in sheets)})")
    elif output is not None:
        write_table(frame, output)
    if audit is not None and audit_tables is not None:
        _write_sheets(audit_tables, audit)
    if output_dir is not None:
        out = Path(output_dir)
        write_table(frame, out / f"{spec.name}.csv")
        if sensitivity is not None:
            write_table(sensitivity, out / f"{spec.name}_sensitivity.csv")
        if audit_tables is not None:
            _write_sheets(audit_tables, out / f"{spec.name}_audit.xlsx")
        result.save(out / f"{spec.name}_result")
    return frame


def _store(result: Any, analysis: Any, *, name: str, db: Path) -> None:
    with Store(db) as store:
        stored = save_assessment(store, result, name=name, uncertainty=analysis)
        if stored.created:
            audit_cli(store, action="assessment.store", target=stored.label)
    if stored.created:
        changed = f" — changed: {stored.changes}" if stored.changes else ""
        console.print(f"[green]Stored assessment {plain(stored.label)}[/]{plain(changed)}")
    else:
        console.print(f"[dim]Assessment {plain(stored.label)} is already stored with this spec and data: "
                      "nothing to do[/]")


def _audit_tables(result: Any) -> dict[str, pd.DataFrame]:
    audit = result.audit()
    tables = {name: getattr(audit, name) for name in (
        "missing_by_indicator", "missing_by_node", "cronbach", "pca", "flags", "correlations")}
    summary = tables["cronbach"].join(tables["pca"][["explained_pc1"]], how="left").reset_index()
    print_table(summary, title="Statistical audit: Cronbach's alpha and first principal component per block",
                console=console)
    if len(tables["flags"]):
        print_table(tables["flags"], title="Audit flags", console=console)
    return tables


def _write_sheets(tables: dict[str, pd.DataFrame], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        for name, table in tables.items():
            frame = table.reset_index() if table.index.name or isinstance(table.index, pd.MultiIndex) else table
            neutralise_formulas(frame).to_excel(book, sheet_name=name[:31], index=False)
    console.print(f"[green]Wrote[/] {plain(path)}")


@app.command("assess", rich_help_panel="Assessment")
def assess(
    spec: Path | None = typer.Option(None, "--spec", help="Spec file; default: the bundled vulnerability spec."),
    year: int | None = typer.Option(None, "--year", help="Year to assess (overrides the spec)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Output table (.csv/.xlsx/.json/.parquet)."),
    uncertainty: bool = typer.Option(True, "--uncertainty/--no-uncertainty",
                                     help="Add rank intervals from the spec's Monte-Carlo section."),
    audit: Path | None = typer.Option(None, "--audit", help="Write the statistical audit to this .xlsx file."),
    engine: str = typer.Option("local", "--engine", help="local (default) or dask (same results)."),
    cluster: str | None = typer.Option(None, "--cluster", help="Dask scheduler address; default: a LocalCluster."),
    parquet: Path | None = typer.Option(None, "--parquet", help="With --engine dask: read the panel from this "
                                        "folder (`territoria data export-parquet`), partition by partition."),
    name: str | None = typer.Option(None, "--name", help="Store the Result in the Store under this name (a new "
                                    "version when the spec or the data changed; see `territoria assessments`)."),
    columns: list[str] | None = _COLUMNS,
    lang: str = typer.Option("en", "--lang", help="Language of the .xlsx workbook's sheets, headers and names: "
                             "en, ru or kk."),
    jobs: int = JOBS,
) -> None:
    """Run the vulnerability assessment on the Store's panel and print the ranking.

    Output columns: unit, name, every aggregate of the tree, rank, level (grade), and with
    --uncertainty rank_median, rank_p05, rank_p95. With -o FILE.xlsx: one workbook (ranking, block
    scores, uncertainty, diagnosis, mechanisms, the data used with imputed/capped flags and sources, the
    spec), in --lang. With --name the Result is stored: diagnose,
    recommend, whatif, report and the web then use it for the units of its level. --jobs N shares the
    work between N threads (-1: every core) with the same results.
    """

    if lang not in ("en", "ru", "kk"):
        raise typer.BadParameter(f"{lang!r}: expected one of en, ru, kk", param_hint="--lang")
    if lang != "en" and (output is None or output.suffix.lower() != ".xlsx"):
        raise typer.BadParameter("--lang sets the language of the .xlsx workbook: add -o FILE.xlsx",
                                 param_hint="--lang")
    n_jobs = local_jobs(jobs, engine)
    if parquet is not None:
        if engine != "dask":
            raise typer.BadParameter("--parquet reads the panel in partitions on a Dask cluster: add --engine dask",
                                     param_hint="--parquet")
        assess_panel(str(parquet), year=year, spec_path=spec, output=output, uncertainty=uncertainty,
                     audit=audit, engine=engine, cluster=cluster, store_as=name, columns=columns, lang=lang,
                     n_jobs=n_jobs)
        return
    parsed = AssessmentSpec.from_yaml(spec or default_spec_path())
    with_years = [year] if year is not None else parsed.year_list
    with Store(state.db, read_only=True) as store:
        panel = store.panel(level=parsed.units.level, years=with_years)
        sources = store.sources()
    assess_panel(panel, year=year, spec_path=spec, output=output, uncertainty=uncertainty, audit=audit,
                 engine=engine, cluster=cluster, store_as=name, columns=columns, lang=lang, sources=sources,
                 n_jobs=n_jobs)


@app.command("tree", rich_help_panel="Assessment")
def tree(
    spec: Path = typer.Argument(..., help="Assessment spec (YAML)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the edges (code, parent, weight, "
                                       "level, method, direction, edge) to .csv/.xlsx/.json/.parquet."),
    lang: str = typer.Option("en", "--lang", help="Language of the words around the codes: en, ru or kk."),
) -> None:
    """Show a spec's indicator tree: every root, block and indicator with its weight and method.

    A node reused under a second parent (reuse: true) is shown there once more, with that edge's
    weight, marked as computed once and not expanded again.
    """

    if lang not in ("en", "ru", "kk"):
        raise typer.BadParameter(f"{lang!r}: expected one of en, ru, kk", param_hint="--lang")
    say = Translator(lang).text
    parsed = AssessmentSpec.from_yaml(spec)
    frame = parsed.tree_frame()
    options = parsed.node_options()
    defined = {c: p for c, p, e in zip(frame["code"], frame["parent"], frame["edge"], strict=True) if e == c}
    kids: dict[str, list[tuple[str, float, str]]] = {}
    for code, parent, weight, edge in zip(frame["code"], frame["parent"], frame["weight"], frame["edge"],
                                          strict=True):
        if parent is not None:
            kids.setdefault(parent, []).append((code, float(weight), edge))

    def label(code: str, weight: float | None, reused: bool) -> str:
        parts = [f"[bold]{plain(code)}[/]" if code in kids else plain(code)]
        if weight is not None:
            parts.append(plain(say("tree.weight", {"weight": weight})))
        opt = options[code]
        if reused:
            parts.append(f"[cyan]{plain(say('tree.reused', {'parent': defined[code]}))}[/]")
        elif opt.formula is not None:
            parts.append(plain(say("tree.formula", {"formula": opt.formula})))
        elif code in kids:
            parts.append(plain(f"[{frame.loc[frame['code'] == code, 'method'].iloc[0]}]"))
        return "  ".join(parts)

    def grow(branch: Tree, code: str) -> None:
        terms = options[code].formula is not None          # a formula's terms carry no weight
        for child, weight, edge in kids.get(code, []):
            reused = edge != child
            twig = branch.add(label(child, None if terms else weight, reused))
            if not reused:
                grow(twig, child)

    roots = [c for c, p in defined.items() if p is None]
    console.print(plain(say("tree.roots", {"n": len(roots), "root": roots[0]})))
    for root in roots:
        top = Tree(label(root, None, False))
        grow(top, root)
        console.print(top)
    if output is not None:
        write_table(frame, output)
        console.print(f"[green]Wrote[/] {plain(output)}")


@data_app.command("export-parquet")
def export_parquet(
    directory: Path = typer.Argument(..., help="Folder to write (one sub-folder per year)."),
    level: str | None = typer.Option(None, "--level", help="Only units of this level (region, district...)."),
    row_group_size: int = typer.Option(100_000, "--row-group-size", help="Rows per Parquet row group."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a non-empty folder."),
) -> None:
    """Export the Store's panel as partitioned Parquet (DuckDB), for `assess --engine dask --parquet DIR`."""

    with Store(state.db, read_only=True) as store:
        out = store.export_parquet(directory, level=level, row_group_size=row_group_size, overwrite=overwrite)
    console.print(f"[green]Wrote[/] {plain(out)}/ (year=YYYY/part-0.parquet, _units.parquet, territoria.json)")
