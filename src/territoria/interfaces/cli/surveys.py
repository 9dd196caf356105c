"""CLI commands: surveys (form, import, summary, questionnaires) and experts (weights, agreement)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import typer

from territoria.errors import DataError
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.output import emit_table, plain, print_table, write_table
from territoria.store import Store
from territoria.surveys.ahp import combine_experts
from territoria.surveys.experts import matrices_from_answers, ratings_from_answers, weights_table
from territoria.surveys.forms import write_form
from territoria.surveys.kendall import kendall_w
from territoria.surveys.readers import (
    bundled_questionnaires,
    file_sha256,
    read_pairwise,
    read_questionnaire,
    read_rankings,
    read_responses,
    read_sample,
)
from territoria.surveys.responses import check_responses
from territoria.surveys.storing import store_summary
from territoria.surveys.summary import summarise

__all__ = ["agreement", "form", "import_survey", "questionnaires", "summary", "weights"]

PANEL = "Surveys and experts"
survey_app = typer.Typer(help="Express surveys of residents and expert forms: make forms, check and summarise "
                              "responses (KoboToolbox, ODK, Google Forms), store the results.", no_args_is_help=True)
experts_app = typer.Typer(help="Expert judgements: AHP weights from pairwise comparisons, Kendall's W.",
                          no_args_is_help=True)
app.add_typer(survey_app, name="survey", rich_help_panel=PANEL)
app.add_typer(experts_app, name="experts", rich_help_panel=PANEL)

_OUT = typer.Option(None, "-o", "--output", help="Output table (.csv/.xlsx/.json/.parquet).")
_Q = typer.Option(..., "-q", "--questionnaire", help="Questionnaire YAML, or a bundled one by name.")
_SAMPLE = typer.Option(None, "--sample", help="Sampled settlements: CSV/XLSX with column 'code' (KATO).")
_SAMPLE_LIST = typer.Option(None, "--sample-list", help="Sampled settlements: a unit list stored in the Store.")


def _emit(frame: pd.DataFrame, title: str, output: Path | None, max_rows: int = 60) -> None:
    emit_table(frame, output, title=title, console=console, max_rows=max_rows)


def _sample(path: Path | None, list_name: str | None) -> pd.DataFrame | None:
    """The sample with names from the Store where it exists."""
    if path is None and list_name is None:
        return None
    store = None
    if Path(state.db).exists():
        store = Store(state.db, read_only=True)
    try:
        if list_name is not None:
            if store is None:
                raise DataError(f"--sample-list {list_name!r} needs a Store ({state.db} does not exist)")
            frame = store.unit_list(list_name)
            if frame.empty:
                raise DataError(f"the Store has no unit list {list_name!r}")
        else:
            frame = read_sample(path)  # type: ignore[arg-type]
        if store is not None:
            units = store.units(codes=frame["code"].tolist())
            for col in ("name_ru", "name_en", "name_kk"):
                if col in units.columns:
                    known = frame["code"].map(units[col])
                    frame[col] = known.where(known.notna(), frame[col] if col in frame.columns else None)
        return frame
    finally:
        if store is not None:
            store.close()


def _checked(responses: Path, questionnaire: str, sample: pd.DataFrame | None, skip_invalid: bool,
             rejected: Path | None) -> tuple[Any, Any]:
    q = read_questionnaire(questionnaire)
    check = check_responses(read_responses(responses), q, sample=sample, file=str(responses))
    n_read = len(check.answers)
    console.print(f"{plain(responses)}: {plain(n_read)} responses read ({plain(check.format)} export), "
                  f"{plain(n_read - len(check.rejected))} pass every check, {len(check.rejected)} with problems"
                  + ("" if sample is not None else "; no sample given, settlements not checked"))
    if rejected is not None and len(check.problems_frame()):
        write_table(check.problems_frame(), rejected)
        console.print(f"[yellow]Problems written to[/] {plain(rejected)}")
    check.raise_for_problems(skip_invalid=skip_invalid)
    return q, check


@survey_app.command("questionnaires")
def questionnaires() -> None:
    """List the questionnaires shipped with Territoria."""
    rows = []
    for name, path in sorted(bundled_questionnaires().items()):
        q = read_questionnaire(path)
        rows.append({"name": name, "kind": q.kind, "version": q.version, "questions": len(q.questions),
                     "measures": len(q.measures()), "title": q.title.get("en")})
    print_table(pd.DataFrame(rows), title="Bundled questionnaires", console=console)


@survey_app.command("form")
def form(
    questionnaire: str = typer.Argument(..., help="Questionnaire YAML, or a bundled one by name."),
    output: Path = typer.Option(..., "-o", "--output", help="Form file: .html or .pdf (printable), .xlsx (XLSForm)."),
    lang: str = typer.Option("ru", "--lang", help="Language of the printed form / default language: ru, kk, en."),
    sample: Path | None = _SAMPLE,
    sample_list: str | None = _SAMPLE_LIST,
) -> None:
    """Make a printable form (HTML/PDF) or an XLSForm for KoboToolbox / ODK."""
    q = read_questionnaire(questionnaire)
    path = write_form(q, output, lang=lang, sample=_sample(sample, sample_list))
    console.print(f"[green]Wrote[/] {plain(path)} ({plain(q.id)} v{q.version}, {len(q.questions)} questions)")


@survey_app.command("summary")
def summary(
    responses: Path = typer.Argument(..., help="Responses export (CSV/XLSX from KoboToolbox, ODK or Google Forms)."),
    questionnaire: str = _Q,
    sample: Path | None = _SAMPLE,
    sample_list: str | None = _SAMPLE_LIST,
    min_n: int = typer.Option(30, "--min-n", help="Fewer valid answers than this: small-sample warning."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the intervals."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Leave out rows with problems instead of "
                                                                    "refusing."),
    rejected: Path | None = typer.Option(None, "--rejected", help="Write the problems found to this table."),
    output: Path | None = _OUT,
) -> None:
    """Check responses and print means and shares per settlement with intervals (nothing stored)."""

    units = _sample(sample, sample_list)
    q, check = _checked(responses, questionnaire, units, skip_invalid, rejected)
    table = summarise(check.kept(), q, confidence=confidence, min_n=min_n,
                      units=None if units is None else units["code"].tolist())
    _emit(table, f"{q.id}: per-settlement summary", output)


@survey_app.command("import")
def import_survey(
    responses: Path = typer.Argument(..., help="Responses export (CSV/XLSX from KoboToolbox, ODK or Google Forms)."),
    questionnaire: str = _Q,
    year: int = typer.Option(..., "--year", help="Fieldwork year the results are stored under."),
    sample: Path | None = _SAMPLE,
    sample_list: str | None = _SAMPLE_LIST,
    min_n: int = typer.Option(30, "--min-n", help="Fewer valid answers than this: small-sample warning."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the intervals."),
    skip_small: bool = typer.Option(False, "--skip-small", help="Do not store estimates from small samples."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Leave out rows with problems instead of "
                                                                    "refusing."),
    rejected: Path | None = typer.Option(None, "--rejected", help="Write the problems found to this table."),
    revise: bool = typer.Option(False, "--revise", help="Accept values that differ from stored ones (kept in "
                                                        "history)."),
    output: Path | None = _OUT,
) -> None:
    """Check responses, summarise them per settlement and store the results as indicators with their source."""

    units = _sample(sample, sample_list)
    if units is None:
        raise DataError("survey import needs the sample (--sample FILE or --sample-list NAME) to check that every "
                        "respondent lives in a sampled settlement")
    q, check = _checked(responses, questionnaire, units, skip_invalid, rejected)
    table = summarise(check.kept(), q, confidence=confidence, min_n=min_n, units=units["code"].tolist())
    with Store(state.db) as store:
        report = store_summary(store, table, q, year=year, file=str(responses), file_sha256=file_sha256(responses),
                               n_kept=len(check.kept()), n_rejected=len(check.rejected), confidence=confidence,
                               min_n=min_n, include_small=not skip_small, revise=revise)
    _emit(table, f"{q.id}: per-settlement summary ({year})", output)
    small = int(table["small_sample"].sum())
    if small:
        console.print(f"[yellow]{small} estimate(s) rest on fewer than {min_n} answers; flagged in their note.[/]")
    console.print(plain(report.summary()))


@experts_app.command("weights")
def weights(
    judgements: Path = typer.Argument(..., help="Pairwise matrices (CSV expert,row,col,value; square CSV; YAML) "
                                                "or an expert-form export with -q."),
    questionnaire: str | None = typer.Option(None, "-q", "--questionnaire", help="Read JUDGEMENTS as responses "
                                                                                 "to this expert form."),
    question: str = typer.Option("block_weights", "--question", help="The pairwise question of the form."),
    ri_table: str = typer.Option("saaty_classic", "--ri", help="Random index: saaty_classic, saaty_2005, "
                                                               "donegan_dodd."),
    max_cr: float = typer.Option(0.10, "--max-cr", help="Largest consistency ratio accepted (Saaty: 0.10)."),
    allow_inconsistent: bool = typer.Option(False, "--allow-inconsistent", help="Keep matrices over --max-cr "
                                                                                "(reported)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Weights as code,weight (.csv/.xlsx/.json) "
                                                                    "for 'weight: {method: file}' of a spec."),
) -> None:
    """AHP weights by the principal eigenvector; experts combined by geometric mean; CR checked."""
    if questionnaire is not None:
        q = read_questionnaire(questionnaire)
        check = check_responses(read_responses(judgements), q, file=str(judgements))
        check.raise_for_problems()
        matrices = matrices_from_answers(check.kept(), q, question)
    else:
        matrices = read_pairwise(judgements)
    result = combine_experts(matrices, ri_table=ri_table, max_cr=max_cr, allow_inconsistent=allow_inconsistent)
    print_table(result.experts.reset_index(), title=f"Experts ({len(matrices)}): consistency", console=console)
    table = weights_table(result.weights)
    print_table(table, title=f"Group weights (geometric mean of judgements): CR = {result.group.cr:.3f} "
                             f"(RI {result.group.ri} from {ri_table})", console=console)
    if result.overridden:
        console.print(f"[yellow]Kept despite CR > {max_cr:g} (--allow-inconsistent): "
                      f"{plain(', '.join(result.overridden))}[/]")
    if output is not None:
        write_table(table, output)
        console.print(f"[green]Wrote[/] {plain(output)} (use it as weight: "
                      f"{{method: file, file: {plain(output.name)}}})")


@experts_app.command("agreement")
def agreement(
    table: Path = typer.Argument(..., help="Raters x items (CSV/XLSX, first column the rater) or an expert-form "
                                           "export with -q."),
    questionnaire: str | None = typer.Option(None, "-q", "--questionnaire", help="Read TABLE as responses to this "
                                                                                 "expert form."),
    questions: str | None = typer.Option(None, "--questions", help="Comma-separated questions ranked (with -q); "
                                                                   "default: every risk_* question."),
    scores: bool = typer.Option(False, "--scores", help="Values are scores (higher = first), not ranks."),
    output: Path | None = _OUT,
) -> None:
    """Kendall's W of expert rankings with its chi-square test."""

    if questionnaire is not None:
        q = read_questionnaire(questionnaire)
        check = check_responses(read_responses(table), q, file=str(table))
        check.raise_for_problems()
        names = questions.split(",") if questions else [x.name for x in q.questions if x.name.startswith("risk_")]
        ratings = ratings_from_answers(check.kept(), q, [n.strip() for n in names])
        scores = True
    else:
        ratings = read_rankings(table)
    result = kendall_w(ratings, higher_is_first=scores)
    _emit(result.to_frame(), "Kendall's W (tie-corrected; chi-square test of no agreement)", output)
    order = result.rank_sums.sort_values().reset_index()
    order.columns = ["item", "rank_sum"]
    print_table(order, title="Consensus order (ascending rank sum = first)", console=console)
