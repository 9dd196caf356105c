"""Resident memory of each Dask worker process over time, with the task each was running.

Used by benchmark (d) (``benchmarks/bench_dask.py``) to find what sets a worker's peak: the worker
processes are sampled from the client's machine (psutil on their pids, every ``every`` seconds) and
each sample is matched to the compute spans of the Dask task stream (same clock: ``time.time()`` on
one machine). Only for LocalClusters (the pids must be local).
"""

from __future__ import annotations

import contextlib
import csv
import os
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

__all__ = ["RSSTimeline", "peak_report", "prefix"]

GB = 2**30


def prefix(key: Any) -> str:
    """The task's function name (what Dask's dashboard groups tasks by)."""
    from dask.utils import key_split

    return str(key_split(key))


class RSSTimeline:
    """Samples ``(time, worker, rss)`` of every worker of ``client`` in a thread, while entered."""

    def __init__(self, client: Any, *, every: float = 0.05) -> None:
        import psutil

        self.procs = {w: psutil.Process(pid) for w, pid in client.run(os.getpid).items()}
        self.start = {w: p.memory_info().rss for w, p in self.procs.items()}     # before the run
        self.samples: list[tuple[float, str, int]] = []
        self.every, self._stop = every, threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    @property
    def peak(self) -> dict[str, int]:
        out = dict.fromkeys(self.procs, 0)
        for _, w, rss in self.samples:
            out[w] = max(out[w], rss)
        return out

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = time.time()
            for w, p in self.procs.items():
                with contextlib.suppress(Exception):
                    self.samples.append((now, w, p.memory_info().rss))
            self._stop.wait(self.every)

    def __enter__(self) -> RSSTimeline:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def write(self, path: str | Path, stream: list[dict[str, Any]]) -> None:
        """The samples and the compute spans, as two CSV files (``path`` and ``path`` + ``.tasks.csv``)."""
        path = Path(path)
        with path.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["time", "worker", "rss_gb"])
            out.writerows((f"{t:.3f}", w, f"{r / GB:.4f}") for t, w, r in self.samples)
        with path.with_suffix(".tasks.csv").open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["worker", "task", "start", "stop"])
            out.writerows((t["worker"], prefix(t["key"]), f"{s['start']:.3f}", f"{s['stop']:.3f}")
                          for t in stream for s in t["startstops"] if s["action"] == "compute")


def peak_report(timeline: RSSTimeline, stream: list[dict[str, Any]], *, top: int = 8) -> str:
    """Each worker's peak and the task it was running then; and, per task name, the highest RSS seen
    while a task of that name ran, above the worker's RSS before the run (where the peak comes from)."""
    spans: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for t in stream:
        for s in t["startstops"]:
            if s["action"] == "compute":
                spans[t["worker"]].append((s["start"], s["stop"], prefix(t["key"])))
    for w in spans:
        spans[w].sort()
    by_task: dict[str, float] = defaultdict(float)
    peak: dict[str, tuple[int, float]] = {}
    for now, w, rss in timeline.samples:
        for a, b, name in spans.get(w, ()):
            if a <= now <= b:
                by_task[name] = max(by_task[name], (rss - timeline.start[w]) / GB)
        if rss > peak.get(w, (0, 0.0))[0]:
            peak[w] = (rss, now)
    t0 = min((t for t, _, _ in timeline.samples), default=0.0)
    lines = []
    for w, (rss, now) in sorted(peak.items()):
        running = [n for a, b, n in spans.get(w, ()) if a <= now <= b]
        before = [n for a, b, n in spans.get(w, ()) if b < now][-1:]
        what = running or [f"(idle; last ran {before[0] if before else 'nothing'})"]
        lines.append(f"    {w}: peak {rss / GB:.2f} GB at +{now - t0:.1f} s (held before the run "
                     f"{timeline.start[w] / GB:.2f} GB), running {', '.join(what)}")
    lines.append("    highest RSS above the pre-run level while each task ran (GB):")
    for name, gb in sorted(by_task.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"      {gb:6.2f}  {name}")
    return "\n".join(lines)
