"""The commands of ``territoria``: name, the modules that define them, help panel and one-line help.

``territoria --help`` is printed from this table alone, so it loads no command module (and none of the
libraries they need); a command's modules are imported only when that command runs
(:class:`territoria.interfaces.cli.app.LazyGroup`). The help lines repeat the first paragraph of each
command's docstring; tests/interfaces/test_cli_registry.py fails when the two drift apart.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["COMMANDS", "DYNAMICS_PANEL", "Command", "by_name"]


class Command(NamedTuple):
    name: str
    modules: tuple[str, ...]  # under territoria.interfaces.cli; every one that adds to the command
    panel: str
    help: str


_DATA = "Data"
_ASSESSMENT = "Assessment"
#: shared by the dynamics and the monitor commands
DYNAMICS_PANEL = "Dynamics, diagnosis and mechanisms"
_ANALYSIS = "Analysis"
_REPORTS = "Reports and web"
_SURVEYS = "Surveys and experts"

# in the order of `territoria --help` (panels appear in the order of their first command)
COMMANDS: tuple[Command, ...] = (
    Command("load-bundled", ("data",), _DATA,
            "Load the bundled real data (units, sources, regional panel, seeds' tables) into the Store."),
    Command("import", ("data",), _DATA,
            "Import a table of observations: all of the file or none of it; a re-import changes nothing."),
    Command("units", ("data",), _DATA,
            "List units: code, name, level, kind, parent, population, coordinates and status flags."),
    Command("show", ("data",), _DATA, "Indicator × year table of one unit, in the layout of the seeds' town tables."),
    Command("coverage", ("data",), _DATA,
            "Which indicators and years each level has: units, first and last year, cells."),
    Command("sources", ("data",), _DATA, "Sources of the stored figures, with citation, address and licence."),
    Command("imports", ("data",), _DATA, "The import log: every import with its file, hash and row counts."),
    Command("history", ("data",), _DATA,
            "Values replaced by revisions, with the import that replaced them; --undo takes an import back."),
    # `data` gathers sub-commands from several modules: `data bns`, `data taldau`, `data export-parquet`
    Command("data", ("data", "bns", "taldau", "assess"), _DATA,
            "Optional data sources for users with internet (cached, checksum-pinned)."),
    Command("compute", ("assess",), _ASSESSMENT,
            "Compute a composite index from a spec on any wide table (reproduce published indices)."),
    Command("assess", ("assess",), _ASSESSMENT,
            "Run the vulnerability assessment on the Store's panel and print the ranking."),
    Command("tree", ("assess",), _ASSESSMENT,
            "Show a spec's indicator tree: every root, block and indicator with its weight and method."),
    Command("assessments", ("assessments",), _ASSESSMENT,
            "List the stored assessments: name, version, level, years, units, when, and what changed."),
    Command("reproduce", ("reproduce",), _ASSESSMENT,
            "Reproduce a peer's published results (CDC SVI, INFORM, COINr, UNDP HDI and GDI) from the example specs."),
    Command("compare-sample", ("seeds",), _ASSESSMENT,
            "Grades and ranks with the spec's sample and with every unit put back (the seeds leave the large\n"
            "cities out: Orynbet & Imangali 2022, section 3); by default only the units whose grade changes."),
    Command("trends", ("dynamics",), DYNAMICS_PANEL,
            "Trends per unit and indicator (growth, CAGR, Theil–Sen, Mann–Kendall, break), or --status."),
    Command("diagnose", ("dynamics",), DYNAMICS_PANEL,
            "Rank nationally and within the region, weakest blocks and indicators against national, regional and\n"
            "group references, risk flags, status; in the latest assessment of the unit's own level."),
    Command("recommend", ("dynamics",), DYNAMICS_PANEL,
            "A short ranked package of mechanisms per horizon (2022–2030, 2030–2040, 2040–2050), each with its\n"
            "reasons and its score spelled out; --all for every mechanism that fits."),
    Command("whatif", ("dynamics",), DYNAMICS_PANEL,
            "Change indicator values of a unit and see its new sub-indices, composite, rank and level, in the\n"
            "latest assessment of the unit's own level (or --assessment)."),
    Command("monitor", ("monitor",), DYNAMICS_PANEL,
            "Adopted measures: record, evaluate, list; early warnings. History is kept."),
    Command("groups", ("groups",), _ANALYSIS,
            "Sort settlements into the method's groups: small towns (< 50,000), single-industry towns, border\n"
            "settlements (geodesic distance <= 50 km to the land border, with the neighbour), villages and rural\n"
            "support settlements. Every membership carries its reason; units the rules cannot decide (no\n"
            "population, no coordinates, no official list) are counted as undecided, never dropped."),
    Command("typology", ("typology",), _ANALYSIS,
            "Typology of the assessed units: Ward / k-means clusters of the block scores (k by silhouette,\n"
            "Calinski-Harabasz and elbow, side by side), cluster profiles and labels, bootstrap stability, and\n"
            "Moran's I / LISA / contiguous clusters of the composite index on queen contiguity of the region or\n"
            "district polygons of the year's map (settlements: nearest neighbours; see docs/typology.md)."),
    Command("map", ("typology",), _ANALYSIS,
            "Choropleth of an assessment: regions or districts coloured by their grade (or index) within their\n"
            "boundaries on the map of the year, settlements as points over their regions; the boundaries' credit\n"
            "in the corner."),
    Command("run", ("main_job",), "Start here",
            "Load the bundled data into a fresh Store, show what it holds, assess the regions and the districts."),
    Command("serve", ("web",), _REPORTS,
            "Start the web dashboard: overview with map and ranking, unit pages, comparison, upload, assessment,\n"
            "monitoring; JSON API under /api/ (OpenAPI at /docs). A missing Store is filled with the bundled data."),
    Command("users", ("users",), _REPORTS,
            "Accounts of the web server: users with roles (viewer, analyst, admin), API tokens, the audit trail."),
    Command("report", ("report",), _REPORTS,
            "Reports in ru / kk / en: a unit's profile, a ranking, a summary (HTML, PDF, XLSX, DOCX)."),
    Command("economy", ("economy",), "Economy",
            "Diversification, specialisation, shift-share and resilience of regional economies (GVA by OKED section "
            "from the Store). See docs/economy.md."),
    Command("survey", ("surveys",), _SURVEYS,
            "Express surveys of residents and expert forms: make forms, check and summarise responses (KoboToolbox, "
            "ODK, Google Forms), store the results."),
    Command("experts", ("surveys",), _SURVEYS,
            "Expert judgements: AHP weights from pairwise comparisons, Kendall's W."),
)

_BY_NAME = {command.name: command for command in COMMANDS}


def by_name(name: str) -> Command | None:
    """The registry's entry for command ``name``, or None for a name ``territoria`` does not have."""
    return _BY_NAME.get(name)
