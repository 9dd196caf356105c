"""The Result of an assessment: every intermediate table, the record of steps, and ways to use them."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import pandas as pd

from territoria.assess import audit as au
from territoria.assess.aggregate import withheld_table
from territoria.assess.audit import Audit
from territoria.assess.contrib import contributions
from territoria.assess.grade import describe_scale
from territoria.assess.inputs import Prepared
from territoria.assess.output import output_frame
from territoria.assess.record import StepRecord, library_versions
from territoria.assess.spec import AssessmentSpec
from territoria.assess.spec_rules import reset_inapplicable
from territoria.assess.tree import edge_key
from territoria.errors import SpecError

if TYPE_CHECKING:
    from territoria.assess.uncertainty import UncertaintyResult

__all__ = ["Result", "ScoreTables", "compare"]

_STAGES = ("raw", "denominated", "imputed", "treated", "normalised", "aggregated")
#: Spec sections ``Result.rerun`` may change (the steps, then what only reads their output).
REPLAYABLE: tuple[str, ...] = ("denominate", "impute", "treat", "normalise", "weight", "aggregate", "rank", "grade",
                               "flags", "output", "uncertainty")


def _addresses(changes: Mapping[str, Any] | str | None, keywords: Mapping[str, Any]) -> dict[str, Any]:
    """Every change as ``{dotted address: value}``."""
    if isinstance(changes, str):
        return {f"{changes}.{k.replace('__', '.')}": v for k, v in keywords.items()}
    out = {str(k): v for k, v in (changes or {}).items()}
    out.update({k.replace("__", "."): v for k, v in keywords.items()})
    bare = [k for k in out if "." not in k]
    if bare:
        raise SpecError("rerun", f"{bare[0]!r} is not an address; give <section>.<parameter>, e.g. "
                                 "rerun({'normalise.method': 'zscore'}) or rerun(normalise__method='zscore')")
    return out


def _section_fields(section: str) -> dict[str, Any]:
    annotation = AssessmentSpec.model_fields[section].annotation
    model = next(a for a in get_args(annotation) if isinstance(a, type))
    return model.model_fields


@dataclass
class Result:
    """What ``Assessment.run`` returns.

    Attributes
    ----------
    spec : AssessmentSpec
    tables : dict of DataFrame
        ``raw, denominated, imputed, treated, normalised`` (units × indicators), ``aggregated`` (every code
        of the tree: indicators normalised, aggregates scored), ``aggregated_raw`` (before ``post``),
        ``ranks`` (per aggregate), ``grades`` (column ``level``), ``weights`` (weight, effective),
        ``imputed_mask``, ``treated_mask``, and ``flags`` when the spec asks for them.
    log : list of StepRecord
    contributions : DataFrame
        Long table (index: unit) with ``parent, code, to, contribution`` (see ``contrib``); derived from
        ``tables["aggregated"]`` and the weights when first asked for, never stored.
    weights : Series
        Relative weight per tree code as used.
    data_sha256 : str
        SHA-256 of the validated input (indicators and side columns).
    versions : dict
        Library versions at run time.
    keep : str
        ``"all"``: every table above; ``"scores"``: ``weights``, ``aggregated`` and ``aggregated_raw`` (the
        aggregates only), ``ranks``, ``grades`` and ``flags`` (:meth:`stage` says so when asked for more).
    """

    spec: AssessmentSpec
    tables: dict[str, pd.DataFrame]
    log: list[StepRecord]
    weights: pd.Series
    data_sha256: str
    versions: dict[str, str]
    prepared: Prepared | None = field(default=None, repr=False)
    replay: Callable[[AssessmentSpec, Prepared, set[str], Result], Result] | None = field(
        default=None, repr=False, compare=False)
    keep: str = "all"

    def __post_init__(self) -> None:
        if self.keep != "all" and not isinstance(self.tables, ScoreTables):
            self.tables = ScoreTables(self.tables)

    def stage(self, name: str) -> pd.DataFrame:
        """``tables[name]``; a table a ``keep="scores"`` Result does not hold, or the indicators its
        aggregated tables lack, are an error saying so (:class:`ScoreTables`)."""
        table = self.tables[name]
        if self.keep != "all" and name in ("aggregated", "aggregated_raw"):
            missing = [c for c in self.tree["code"] if c not in table.columns]
            if missing:
                raise SpecError("keep", f"this Result was run with keep='scores': its {name!r} table holds the "
                                        f"aggregates only, not the indicators ({missing[0]!r}, ...); run the "
                                        "assessment with keep='all'")
        return table

    # -- views -------------------------------------------------------------------------------
    @cached_property
    def contributions(self) -> pd.DataFrame:
        return contributions(self.stage("aggregated"), self.tree, self.weights)

    @property
    def tree(self) -> pd.DataFrame:
        """The spec's contract tree (:meth:`AssessmentSpec.tree_frame`), built once for the spec object the
        Result holds (a page asks for it a score of times) and handed out as a shallow copy: pandas copies
        on write, so a caller's change stays in its copy. The spec of a Result is the spec that was run."""
        built = self.__dict__.get("_tree")
        if built is None or built[0] is not self.spec:
            built = (self.spec, self.spec.tree_frame())
            self.__dict__["_tree"] = built
        return built[1].copy(deep=False)

    @property
    def withheld(self) -> pd.DataFrame:
        """Units left without a score at a node by the node's ``coverage`` rule: the unit (index levels),
        node, present, children and the reason, one row per (unit, node)."""
        return withheld_table(self.stage("aggregated"), self.tree, self.spec.node_rules())

    @property
    def root(self) -> str:
        t = self.tree
        return str(t.loc[t["parent"].isna(), "code"].iloc[0])

    @property
    def aggregates(self) -> list[str]:
        t = self.tree
        parents = set(t["parent"].dropna())
        return list(dict.fromkeys(c for c in t.sort_values("level", ascending=False, kind="stable")["code"]
                                  if c in parents))

    @property
    def scores(self) -> pd.Series:
        return self.tables["aggregated"][self.root]

    @property
    def ranks(self) -> pd.Series:
        return self.tables["ranks"][self.root].rename("rank")

    @property
    def grades(self) -> pd.Series:
        return self.tables["grades"]["level"]

    @property
    def scale(self) -> str:
        """Which graded scale ``level`` comes from (one line; ``describe_scale``)."""
        g = self.spec.grade
        return describe_scale(g.method, thresholds=g.thresholds, k=g.k, labels=g.labels, source=g.source)

    @property
    def excluded(self) -> list[str]:
        """Units the spec's sample filters (``units.exclude``, ``units.kinds``) left out of the data given;
        a Result read back from disk knows only ``units.exclude``."""
        if self.prepared is not None:
            return list(self.prepared.excluded)
        return list(self.spec.units.exclude)

    def to_frame(self) -> pd.DataFrame:
        """Output table: the unit index, every aggregate by its spec name, ``rank``, ``level`` and, when the
        spec grades, ``scale`` (which scale the level comes from, in a few words)."""
        out = self.tables["aggregated"][self.aggregates].copy()
        out["rank"] = self.tables["ranks"][self.root].astype("Int64")
        out["level"] = self.tables["grades"]["level"]
        g = self.spec.grade
        if g.method != "none":
            out["scale"] = describe_scale(g.method, thresholds=g.thresholds, k=g.k, labels=g.labels, short=True)
        return out.sort_values(["rank"], kind="stable")

    def output_table(self) -> pd.DataFrame:
        """The table the spec's ``output`` section describes (default :meth:`to_frame`); see ``assess.output``."""

        return output_frame(self)

    def tidy(self) -> pd.DataFrame:
        """One long table: unit (and year), level, code, stage, value."""
        levels = dict(zip(self.tree["code"], self.tree["level"], strict=True))
        frames = []
        for stage in (*_STAGES, "ranks"):
            table = self.tables.get(stage)
            if table is None:
                continue
            long = table.stack(future_stack=True).rename("value").reset_index()
            long = long.rename(columns={long.columns[-2]: "code"})
            long["stage"] = "rank" if stage == "ranks" else stage
            long["level"] = long["code"].map(levels).astype("Int64")
            frames.append(long)
        out = pd.concat(frames, ignore_index=True)
        ids = [c for c in out.columns if c not in ("code", "stage", "level", "value")]
        return out[[*ids, "level", "code", "stage", "value"]]

    # -- analyses ------------------------------------------------------------------------------
    def audit(self, *, threshold: float = 0.9) -> Audit:
        """Statistical audit (COINr / OECD-JRC handbook): missing data on the indicators as given,
        correlations, flags, Cronbach's alpha and PCA on the normalised indicators and the scores."""

        given, normalised = self.stage("denominated"), self.stage("normalised")
        scores, tree = self.stage("aggregated"), self.tree
        # an indicator with no value at all in the assessed year(s) cannot correlate with anything
        empty = [c for c in normalised.columns if normalised[c].isna().all()]
        normalised = normalised.drop(columns=empty)
        tree_with_data = tree[~tree["code"].isin(empty)]
        return au.Audit(
            missing_by_indicator=au.missing_by_indicator(given, tree),
            missing_by_unit=au.missing_by_unit(given, tree),
            missing_by_node=au.missing_by_node(given, tree),
            correlations=au.correlations(normalised, tree_with_data),
            node_correlations=au.indicator_node_correlations(normalised, tree_with_data, scores=scores),
            flags=au.correlation_flags(normalised, tree_with_data, scores=scores, threshold=threshold),
            cronbach=au.cronbach_alpha(normalised, tree_with_data),
            pca=au.pca_first_component(normalised, tree_with_data),
        )

    def uncertainty(self, *, n_replications: int | None = None, seed: int | None = None,
                    progress: bool = False, engine: str = "local", cluster: Any = None,
                    n_jobs: int | None = None) -> UncertaintyResult:
        """Monte-Carlo over the choices the spec's ``uncertainty`` section marks uncertain.

        ``engine="dask"`` evaluates the runs on a Dask cluster (``cluster``: scheduler address or client;
        None starts a LocalCluster) with the same numbers, bit for bit; see docs/scaling.md. ``n_jobs``
        (None = 1, -1 = every core) threads evaluate the runs locally; it changes no number.

        The spec's own choice of every step comes first in each list of alternatives (the nominal
        run). Every alternative refits the spec's own steps (denominate, impute, treat, normalise,
        weight) on this Result's input, so the nominal run is this Result: same scores, same ranks.
        """
        # lazy: cycle: territoria.assess.uncertainty imports this module
        from territoria.assess.uncertainty import UncertaintyAnalysis

        if self.prepared is None:
            raise SpecError("uncertainty", "this Result was loaded without its input; run the assessment again")
        analysis = UncertaintyAnalysis.from_spec(self.spec, n_replications=n_replications, seed=seed,
                                                 progress=progress, n_jobs=n_jobs)
        if engine == "dask":
            # lazy: layers: territoria.engines.dask_uncertainty is above this module (known violation, pyproject.toml)
            from territoria.engines.dask_uncertainty import run_uncertainty

            return run_uncertainty(analysis, self, cluster=cluster)
        if engine != "local":
            raise SpecError("engine", f"expected 'local' or 'dask', got {engine!r}")
        return analysis.run(self)

    # -- rerun ---------------------------------------------------------------------------------
    def rerun(self, changes: Mapping[str, Any] | str | None = None, /, **keywords: Any) -> Result:
        """Rebuild with some parameters changed, replaying from the first step they affect.

        One address scheme, the spec's own: ``<section>.<parameter>`` (``normalise.method``,
        ``impute.by``, ``uncertainty.n``) and ``tree.<code>.<option>`` (``tree.economy.weight``; the weight
        of a reused node under a further parent: ``tree.<code>@<parent>.weight``).
        Give them as a mapping, ``rerun({"normalise.method": "zscore"})``, or as keywords with ``__``
        for the dots, ``rerun(normalise__method="zscore")``; ``rerun("normalise", method="zscore")``
        prefixes the keywords with one address. ``rerun()`` replays everything, bit-identical.
        A new ``method`` drops the previous method's own parameters that the new one does not read
        (``normalise.low`` when going from minmax to zscore); parameters given with it are checked.

        Raises
        ------
        SpecError
            An unknown section or parameter (named, with the valid ones), or a change of the input
            (``units``, ``years``): run the assessment again for those.
        """
        if self.prepared is None:
            raise SpecError("rerun", "this Result was loaded without its input; run the assessment again")
        flat = _addresses(changes, keywords)
        raw = self.spec.to_mapping()
        rows = [{"code": r.code, "parent": r.parent, **r.model_dump(exclude={"code", "parent"})}
                for r, _ in self.spec.tree_rows()]
        # a node by its code; a reuse edge by code@parent (its only option is its weight)
        by_code = {edge_key(r["code"], r["parent"], reuse=r["reuse"]): r for r in rows}
        sections: set[str] = set()
        given: dict[str, set[str]] = {}
        for address, value in flat.items():
            section, _, rest = address.partition(".")
            if section == "tree":
                code, _, option = rest.rpartition(".")
                if code not in by_code:
                    raise SpecError(address, f"{code!r} is not a node of the tree")
                valid = [k for k in by_code[code] if k not in ("code", "parent")] if not by_code[code]["reuse"] \
                    else ["weight"]
                if option not in valid:
                    raise SpecError(address, f"unknown tree option {option!r}; valid: {', '.join(valid)}")
                by_code[code][option] = value
                raw["tree"] = rows
                sections.add("normalise" if option == "direction" else "weight")
                continue
            model = AssessmentSpec.model_fields.get(section)
            if section not in REPLAYABLE or model is None:
                raise SpecError(address, f"unknown section {section!r}; valid: {', '.join(REPLAYABLE)}, "
                                         "tree.<code>.<option>")
            current = getattr(self.spec, section)
            valid = list(type(current).model_fields) if current is not None else list(_section_fields(section))
            if rest not in valid:
                raise SpecError(address, f"unknown parameter {rest!r} of {section}; valid: {', '.join(valid)}")
            part = dict(raw.get(section) or {})
            part[rest] = value
            raw[section] = part
            sections.add(section)
            given.setdefault(section, set()).add(rest)
        for section, keys in given.items():      # a new method: the old method's own parameters are dropped
            raw[section] = reset_inapplicable(section, raw[section], keys)
        spec = AssessmentSpec.from_mapping(raw) if flat else self.spec
        if self.replay is not None:
            return self.replay(spec, self.prepared, sections, self)
        # lazy: cycle: territoria.assess.pipeline imports this module
        from territoria.assess.pipeline import replay  # a Result rebuilt elsewhere (the Store)

        return replay(spec, self.prepared, sections, self)

    # -- persistence ---------------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write tables as parquet and the spec, log, hash and versions as JSON."""
        d = Path(directory)
        (d / "tables").mkdir(parents=True, exist_ok=True)
        for name, table in self.tables.items():
            frame = table.copy()
            frame.columns = [str(c) for c in frame.columns]
            frame.to_parquet(d / "tables" / f"{name}.parquet")
        meta = {"spec": self.spec.to_mapping(), "log": [r.to_dict() for r in self.log],
                "weights": {str(k): float(v) for k, v in self.weights.items()},
                "data_sha256": self.data_sha256, "versions": self.versions, "keep": self.keep}
        (d / "result.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        return d

    @classmethod
    def load(cls, directory: str | Path) -> Result:
        """Read a saved Result; warns when library versions differ from the saving run."""
        d = Path(directory)
        meta = json.loads((d / "result.json").read_text(encoding="utf-8"))
        tables = {p.stem: pd.read_parquet(p) for p in sorted((d / "tables").glob("*.parquet"))}
        now = library_versions()
        diff = {k: (v, now.get(k)) for k, v in meta["versions"].items() if now.get(k) != v}
        if diff:
            warnings.warn(f"Result saved with other library versions: {diff}", stacklevel=2)
        return cls(spec=AssessmentSpec.from_mapping(meta["spec"]), tables=tables,
                   log=[StepRecord.from_dict(r) for r in meta["log"]],
                   weights=pd.Series(meta["weights"], dtype=float), data_sha256=meta["data_sha256"],
                   versions=meta["versions"], keep=meta.get("keep", "all"))


class ScoreTables(dict[str, pd.DataFrame]):
    """The tables of a ``keep="scores"`` Result: asking for one it does not hold (``tables["normalised"]``)
    is a :class:`~territoria.errors.SpecError` that says why, not a bare ``KeyError``."""

    def __missing__(self, name: str) -> pd.DataFrame:
        raise SpecError("keep", f"this Result holds no {name!r} table: it was run with keep='scores', which holds "
                                f"{', '.join(self)}; run the assessment with keep='all' for the indicator tables")


def compare(a: Result, b: Result, *, code: str | None = None) -> pd.DataFrame:
    """Rank shifts between two results on one aggregate (default: the root of ``a``).

    Columns: ``score_a, score_b, rank_a, rank_b, shift`` (= rank_b - rank_a; negative = moved up),
    ``abs_shift``; sorted by ``abs_shift`` descending.
    """
    code = code or a.root
    out = pd.DataFrame({"score_a": a.tables["aggregated"][code], "score_b": b.tables["aggregated"][code],
                        "rank_a": a.tables["ranks"][code], "rank_b": b.tables["ranks"][code]})
    out["shift"] = out["rank_b"] - out["rank_a"]
    out["abs_shift"] = out["shift"].abs()
    return out.sort_values(["abs_shift", "rank_a"], ascending=[False, True], kind="stable")
