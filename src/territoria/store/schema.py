"""The Store's schema and its migrations.

A Store records its schema version in ``meta``. Opening an older Store applies the missing
migrations in order inside one transaction; opening a Store made by a newer Territoria is refused
rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate"]

_V1 = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

CREATE TABLE units (
    code VARCHAR PRIMARY KEY,
    parent VARCHAR,
    level VARCHAR NOT NULL CHECK (level IN ('country', 'region', 'district', 'rural_district', 'settlement')),
    kind VARCHAR,
    name_en VARCHAR, name_ru VARCHAR, name_kk VARCHAR,
    population DOUBLE, population_year VARCHAR,
    lat DOUBLE, lon DOUBLE,
    is_district_centre BOOLEAN, is_single_industry BOOLEAN, is_rural_support BOOLEAN,
    valid_from VARCHAR, valid_to VARCHAR,
    source_id VARCHAR, note VARCHAR
);

CREATE TABLE crosswalk (
    old_unit VARCHAR, old_code VARCHAR, new_unit VARCHAR, new_code VARCHAR,
    date VARCHAR, legal_act VARCHAR, change_type VARCHAR, source_id VARCHAR, note VARCHAR
);

CREATE TABLE indicators (
    id VARCHAR PRIMARY KEY,
    block VARCHAR, slot VARCHAR, direction INTEGER, kind VARCHAR,
    name_en VARCHAR, name_ru VARCHAR, name_kk VARCHAR,
    unit_en VARCHAR, unit_ru VARCHAR, unit_kk VARCHAR,
    definition_json VARCHAR NOT NULL
);

CREATE TABLE sources (
    source_id VARCHAR PRIMARY KEY,
    title VARCHAR, publisher VARCHAR, url VARCHAR, retrieved VARCHAR, licence VARCHAR,
    how_obtained VARCHAR, citation VARCHAR, file_sha256 VARCHAR
);

CREATE TABLE imports (
    import_id INTEGER PRIMARY KEY,
    file VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    rows_read INTEGER, rows_new INTEGER, rows_same INTEGER, rows_revised INTEGER, rows_rejected INTEGER,
    options_json VARCHAR,
    territoria_version VARCHAR
);

CREATE TABLE observations (
    unit VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    value DOUBLE,
    source_id VARCHAR,
    import_id INTEGER NOT NULL,
    note VARCHAR,
    PRIMARY KEY (unit, indicator, year)
);

CREATE TABLE observation_history (
    unit VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    value DOUBLE,
    source_id VARCHAR,
    import_id INTEGER NOT NULL,
    note VARCHAR,
    replaced_by_import INTEGER NOT NULL,
    replaced_at TIMESTAMP NOT NULL
);
"""

# v2: spellings confirmed by users (or learned from official tables) that the name matcher should
# accept for a unit, so that a file once matched by hand matches by itself the next time.
_V2 = """
CREATE TABLE unit_aliases (
    alias VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    source VARCHAR,
    PRIMARY KEY (alias, code)
);
"""

# v3: named lists of units with a status and a citation (e.g. the depressed and vulnerable districts
# and towns that a study names), which groups and reports read.
_V3 = """
CREATE TABLE unit_lists (
    list VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    status VARCHAR,
    citation VARCHAR,
    note VARCHAR,
    PRIMARY KEY (list, code)
);
"""

# v4: monitoring. Adopted measures (a mechanism for a unit with a target on one indicator), their
# evaluations and early warnings. Rows are only ever added: a re-evaluation appends a row, a
# withdrawn measure gets ``withdrawn_at``; nothing is overwritten (territoria.store.measures).
_V4 = """
CREATE TABLE measures (
    measure_id INTEGER PRIMARY KEY,
    unit VARCHAR NOT NULL,
    mechanism VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    start_year INTEGER NOT NULL,
    baseline_year INTEGER,
    baseline_value DOUBLE NOT NULL,
    target_value DOUBLE NOT NULL,
    target_unit VARCHAR,
    deadline_year INTEGER NOT NULL,
    note VARCHAR,
    adopted_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    CHECK (deadline_year > start_year)
);

CREATE TABLE measure_evaluations (
    evaluation_id INTEGER PRIMARY KEY,
    measure_id INTEGER NOT NULL,
    evaluated_at TIMESTAMP NOT NULL,
    import_id INTEGER,
    data_year INTEGER,
    value DOUBLE,
    expected DOUBLE,
    status VARCHAR NOT NULL CHECK (status IN ('on_track', 'off_track', 'achieved', 'overdue', 'no_data')),
    facts VARCHAR
);

CREATE TABLE monitor_warnings (
    warning_id INTEGER PRIMARY KEY,
    unit VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    year INTEGER,
    detail VARCHAR NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    import_id INTEGER
);
"""

# v5: stored assessments. An assessment is a named Result, versioned: ``assessments`` holds what it is
# (level, years, spec, digests of the spec and of the input data, library versions, what changed since
# the previous version), ``assessment_units`` the units it rates (for the resolver), and
# ``assessment_parts`` the files of ``Result.save`` (Parquet tables, result.json), its validated input
# and its uncertainty summary, byte for byte (territoria.store.assessments).
_V5 = """
CREATE TABLE assessments (
    name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    level VARCHAR,
    years VARCHAR NOT NULL,
    n_units INTEGER NOT NULL,
    spec_name VARCHAR,
    spec_yaml VARCHAR NOT NULL,
    spec_sha256 VARCHAR NOT NULL,
    data_sha256 VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    territoria_version VARCHAR,
    versions_json VARCHAR NOT NULL,
    changes VARCHAR,
    PRIMARY KEY (name, version)
);

CREATE TABLE assessment_units (
    name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    PRIMARY KEY (name, version, unit)
);

CREATE TABLE assessment_parts (
    name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    part VARCHAR NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (name, version, part)
);
"""

# v6: accounts of the web server (territoria.store.accounts). ``users`` with a role and an argon2 hash of
# the password; ``api_tokens`` hold only the SHA-256 of each random token (shown once at creation);
# ``audit_log`` records who did what and when (imports, revisions, assessments, measures, users).
_V6 = """
CREATE TABLE users (
    name VARCHAR PRIMARY KEY,
    role VARCHAR NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    password_hash VARCHAR,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    token_sha256 VARCHAR PRIMARY KEY,
    user_name VARCHAR NOT NULL,
    label VARCHAR,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    event_id INTEGER PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    user_name VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    target VARCHAR,
    detail VARCHAR
);
"""

Migration = Callable[[duckdb.DuckDBPyConnection], None]


def _sql(script: str) -> Migration:
    def apply(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(script)

    return apply


#: Migration ``i`` (1-based) brings a Store from version ``i - 1`` to ``i``.
MIGRATIONS: list[Migration] = [_sql(_V1), _sql(_V2), _sql(_V3), _sql(_V4), _sql(_V5), _sql(_V6)]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """Schema version of an open database (0 for an empty one). Called outside a transaction: on an empty
    database the failed read would abort the caller's transaction (:func:`migrate` asks before it begins)."""
    # Asking for the row directly, not first whether the table exists: on a fresh connection (every web
    # request opens one) a query on information_schema costs about 12 ms of CPU, the row itself next to
    # nothing. Only an empty database has no meta table.
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    except duckdb.CatalogException:
        return 0
    return int(rows[0][0]) if rows else 0


def migrate(con: duckdb.DuckDBPyConnection, *, target: int = SCHEMA_VERSION) -> tuple[int, int]:
    """Apply migrations up to ``target`` in one transaction; return (version before, version after)."""
    before = current_version(con)
    if before >= target:
        return before, before
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(before + 1, target + 1):
            MIGRATIONS[version - 1](con)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(target)])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return before, target
