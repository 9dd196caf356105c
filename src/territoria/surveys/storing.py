"""Survey summaries into the Store: observations through ``import_observations`` with a source row.

Each import records one source (``survey:<questionnaire>:<year>:<hash>``) describing the survey — the
questionnaire and its version, the fieldwork year, the responses file, how many responses were kept and
rejected, the confidence level and the small-sample threshold. Each observation's ``note`` carries its n
and confidence interval. The import key (``file_sha256``) hashes the responses file together with those
options, so re-importing the same file with the same options changes nothing, and the same file
summarised differently is a new import (whose differing values are refused as conflicts unless revised).

Indicator ids must be in the Store's catalogue: the shipped questionnaires measure the ``survey_*``
entries of the package catalogue; a questionnaire that declares its own ``indicators`` needs a Store
opened with :meth:`Questionnaire.extend_catalogue` (see ``docs/surveys.md``).
"""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd

from territoria.errors import SpecError
from territoria.store import ImportReport, Store, import_observations
from territoria.surveys.model import Questionnaire
from territoria.surveys.summary import to_observations

__all__ = ["store_summary", "survey_source"]


def survey_source(questionnaire: Questionnaire, *, year: int, file: str, key: str, n_kept: int, n_rejected: int,
                  confidence: float, min_n: int, citation: str = "") -> dict[str, str]:
    """The ``sources`` row describing one survey import."""
    what = "Express survey of residents" if questionnaire.kind == "residents" else "Expert assessment"
    how = (f"{what} with questionnaire {questionnaire.id} v{questionnaire.version}, fieldwork {year}; responses "
           f"file {file}: {n_kept} responses kept, {n_rejected} rejected by the checks; per-settlement means "
           f"and shares with {confidence:.0%} intervals (t / Wilson), small-sample flag below n={min_n}; "
           "summarised by territoria survey import")
    return {"source_id": f"survey:{questionnaire.id}:{year}:{key[:10]}",
            "title": f"{questionnaire.title.get('en')} ({year})", "publisher": "survey team (user-supplied)",
            "url": "", "retrieved": date.today().isoformat(), "licence": "", "how_obtained": how,
            "citation": citation or f"{questionnaire.title.get('en')}, {year}; {n_kept} responses ({file})",
            "file_sha256": key}


def import_key(file_sha256: str, questionnaire: Questionnaire, *, year: int, confidence: float, min_n: int,
               include_small: bool) -> str:
    """The hash an import is known by: the responses file and every option that changes the numbers."""
    text = f"{file_sha256}|{questionnaire.id}|{questionnaire.version}|{year}|{confidence}|{min_n}|{include_small}"
    return hashlib.sha256(text.encode()).hexdigest()


def store_summary(store: Store, summary: pd.DataFrame, questionnaire: Questionnaire, *, year: int, file: str,
                  file_sha256: str, n_kept: int, n_rejected: int, confidence: float, min_n: int,
                  include_small: bool = True, revise: bool = False, citation: str = "") -> ImportReport:
    """Write a :func:`~territoria.surveys.summary.summarise` table to the Store, all rows or none.

    Raises
    ------
    SpecError
        A measured indicator is not in the Store's catalogue (all such ids named).
    ConflictError, InputFileError
        From :func:`territoria.store.import_observations` (unknown unit codes, differing stored values).
    """
    unknown = sorted({i for i in summary["indicator"] if i not in store.catalogue})
    if unknown:
        raise SpecError("measures", f"indicator(s) {unknown} are not in the catalogue; add them to "
                        "catalog/indicators.yaml or declare them under 'indicators' in the questionnaire and open the "
                        "Store with questionnaire.extend_catalogue(...)", file=questionnaire.id)
    key = import_key(file_sha256, questionnaire, year=year, confidence=confidence, min_n=min_n,
                     include_small=include_small)
    source = survey_source(questionnaire, year=year, file=file, key=key, n_kept=n_kept, n_rejected=n_rejected,
                           confidence=confidence, min_n=min_n, citation=citation)
    rows = to_observations(summary, year=year, source_id=source["source_id"], include_small=include_small)
    known = set(store.sources()["source_id"])
    if source["source_id"] not in known:
        store.put_sources(pd.DataFrame([source]))
    try:
        report = import_observations(store, rows, file=file, file_sha256=key, source_id=source["source_id"],
                                     revise=revise, options={"questionnaire": questionnaire.id, "year": year,
                                                             "confidence": confidence, "min_n": min_n,
                                                             "include_small": include_small})
    except Exception:
        if source["source_id"] not in known:
            store.con.execute("DELETE FROM sources WHERE source_id = ?", [source["source_id"]])
        raise
    return report
