"""Distributed engines: the assessment, Monte-Carlo replications and border distances on Dask.

The single-machine engine in :mod:`territoria.assess` stays the default; ``engine="dask"`` dispatches
here. See docs/scaling.md.
"""

from territoria.engines.cluster import EngineError, connect

__all__ = ["EngineError", "connect"]
