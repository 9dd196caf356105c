"""Taldau, the online database of the Bureau of National Statistics (taldau.stat.gov.kz).

Taldau publishes no API documentation; the protocol here follows what public clients observed
(``/work/shared/data/ACCESS.md`` §1 and ``docs/taldau.md``). Modules:

* :mod:`~.protocol` — endpoints and canonical requests (pure);
* :mod:`~.cache` — content-addressed raw cache and run manifests;
* :mod:`~.transport` — the polite httpx client (timeouts, rate, retries, size cap, offline mode);
* :mod:`~.parse` — bytes → records (pure), raising :class:`~.errors.StructureChangedError`;
* :mod:`~.registry` — the versioned indicator registry (``registry.yaml``);
* :mod:`~.crosswalk` — Taldau territory terms → KATO codes with validity dates;
* :mod:`~.gates` — validation gates run before anything is stored;
* :mod:`~.fetch` — discover, crosswalk building and fetch into the Store.
"""
