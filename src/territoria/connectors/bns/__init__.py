"""The Bureau of National Statistics' dynamic tables (stat.gov.kz "Динамические таблицы"), district by district.

Modules:

* :mod:`~.registry` — the known tables (``registry.yaml``): indicator, unit, levels, breakdown, catalogue id;
* :mod:`~.parse` — the published export layout, bytes → rows (pure);
* :mod:`~.match` — printed unit names → codes within their region block, through the crosswalk (pure);
* :mod:`~.checks` — every region-year and Republic-year sum (pure);
* :mod:`~.read` — one export from bytes to checked observations (pure);
* :mod:`~.download` — the pooch download into the cache (checksum and retrieval date recorded);
* :mod:`~.fetch` — download, read, check and import into the Store (all or nothing);
* :mod:`~.rebuild` — the bundled district panel rebuilt from raw exports with the same code.
"""
