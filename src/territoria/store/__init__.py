"""The Store: DuckDB schema, migrations, transactional import and provenance."""

from territoria.store.importing import ImportReport, import_observations, undo_import
from territoria.store.schema import SCHEMA_VERSION
from territoria.store.store import Store

__all__ = ["SCHEMA_VERSION", "ImportReport", "Store", "import_observations", "undo_import"]
