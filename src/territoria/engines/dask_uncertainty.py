"""Monte-Carlo uncertainty analysis with the model runs on a Dask cluster; identical to one machine.

1. On the client, :meth:`UncertaintyAnalysis.plan` checks the inputs, fits the pipeline's own steps
   once per (imputation, normalisation) alternative (the same model as the local run: the nominal run
   is the assessment's result) and draws the whole design from one ``numpy.random.SeedSequence(seed)``:
   the base matrices :math:`A, B` and the :math:`D` matrices :math:`A_B^{(i)}` (columns of input *i*
   from *B*), decoded into every run's choices.
2. The plan (the model with its normalised tables, and the runs) is sent once to every worker
   (``client.scatter(..., broadcast=True)``). The runs are cut into pieces (runs sharing their
   imputation, normalisation and aggregation; :meth:`MonteCarloPlan.pieces`) and the pieces into
   tasks; a worker returns the ranks of its runs (int32, runs × units).
3. The client writes the ranks into the runs × units store by run number and computes the rank
   quantiles and Sobol indices with :meth:`UncertaintyAnalysis.summarise`.

A run's ranks depend only on the plan and its own choices, so the store, and every number computed
from it, is the same bit for bit whatever the number of workers, tasks or their order of completion;
it equals :meth:`UncertaintyAnalysis.run`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from distributed import as_completed

from territoria.engines.cluster import EngineError, connect, worker_lost

__all__ = ["run_uncertainty"]


def _evaluate(plan: Any, sels: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(sel, plan.evaluate(sel)) for sel in sels]


def _tasks(pieces: list[np.ndarray], n_tasks: int) -> list[list[np.ndarray]]:
    """Pieces dealt into about ``n_tasks`` groups of similar run counts (pieces are never split)."""
    n_tasks = max(1, min(n_tasks, len(pieces)))
    groups: list[list[np.ndarray]] = [[] for _ in range(n_tasks)]
    sizes = np.zeros(n_tasks)
    for piece in sorted(pieces, key=len, reverse=True):
        k = int(np.argmin(sizes))
        groups[k].append(piece)
        sizes[k] += len(piece)
    return [g for g in groups if g]


def run_uncertainty(analysis: Any, data: Any, tree: pd.DataFrame | None = None, *,
                    directions: pd.Series | Mapping[str, float] | None = None, cluster: Any = None,
                    n_workers: int = 2, tasks_per_worker: int = 4) -> Any:
    """:meth:`UncertaintyAnalysis.run` with the model runs evaluated on a Dask cluster.

    Parameters
    ----------
    analysis : UncertaintyAnalysis
    data, tree, directions
        As for :meth:`UncertaintyAnalysis.run`: a Result, or a table with its tree.
    cluster : str, distributed.Client or None
        Scheduler address, an open client, or None for a LocalCluster of ``n_workers`` processes.
    tasks_per_worker : int, default=4
        Tasks per worker (more: finer load balance, more transfers).

    Returns
    -------
    UncertaintyResult
        Equal, number for number, to ``analysis.run(data, tree, directions=directions)``.

    Raises
    ------
    EngineError
        The scheduler does not answer, or a worker was lost and its tasks could not be rerun.
    """
    plan = analysis.plan(data, tree, directions=directions)
    store = np.empty((plan.n_runs, plan.n_units), dtype=np.int32)
    with connect(cluster=cluster, n_workers=n_workers) as client:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        shared = client.scatter([plan], broadcast=True, hash=False)[0]
        futs = [client.submit(_evaluate, shared, group, pure=False)
                for group in _tasks(plan.pieces(), tasks_per_worker * workers)]
        done = 0
        try:
            for fut in as_completed(futs):
                for sel, ranks in fut.result():
                    store[sel] = ranks
                    done += len(sel)
                fut.release()
        except Exception as exc:
            if worker_lost(exc):
                raise EngineError(f"Monte-Carlo on Dask: a worker was lost and its runs could not be rerun "
                                  f"({type(exc).__name__}: {exc}); {done} of {plan.n_runs} runs were done, "
                                  "no result is returned — rerun") from exc
            raise
    if done != plan.n_runs:
        raise EngineError(f"Monte-Carlo on Dask: {done} of {plan.n_runs} runs came back; no result is returned")
    return analysis.summarise(plan, store)
