"""A bounded pool for the PDF reports of the web server (issue 19, finding 10).

Each PDF is printed by a headless Chromium (:func:`territoria.report.render.to_pdf`, about 1 GB while it
runs). The pool lets ``workers`` renders run at once and ``queue`` more wait for a slot; a request beyond
that is answered 503 with ``Retry-After`` at once, as is one that waited ``timeout`` seconds for a slot.
Each render is bounded by ``timeout`` seconds (Chromium is killed after it), also answered 503.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from territoria.errors import TerritoriaError
from territoria.web.refusals import Refusal

__all__ = ["RenderPool"]


class RenderPool:
    """At most ``workers`` renders at once and ``queue`` waiting; the rest 503 with ``Retry-After``.

    Parameters
    ----------
    workers : int, default=2
        Chromium processes at once.
    queue : int, default=4
        Requests that may wait for a free worker.
    timeout : float, default=60
        Seconds a request may wait for a worker, and seconds a render may take.
    """

    def __init__(self, *, workers: int = 2, queue: int = 4, timeout: float = 60.0) -> None:
        if workers < 1 or queue < 0 or timeout <= 0:
            raise ValueError(f"RenderPool: expected workers >= 1, queue >= 0, timeout > 0; got {workers}, "
                             f"{queue}, {timeout}")
        self.workers, self.queue, self.timeout = int(workers), int(queue), float(timeout)
        self._slots = threading.Semaphore(self.workers)
        self._cond = threading.Condition()
        #: Requests in the pool: rendering or waiting for a worker.
        self.pending = 0

    def _busy(self, why: str, code: str, **params: Any) -> Refusal:
        return Refusal(503, f"PDF reports: {why}; retry shortly (HTML and XLSX reports are not limited)",
                       f"error.web.pdf_{code}", headers={"Retry-After": "10"}, **params)

    def wait_pending(self, n: int, timeout: float) -> bool:
        """Block until ``n`` requests are in the pool (for tests and benchmarks); False after ``timeout``."""
        with self._cond:
            return self._cond.wait_for(lambda: self.pending >= n, timeout=timeout)

    def render(self, render: Callable[..., Any], *args: Any) -> Any:
        """``render(*args, timeout=self.timeout)`` in a free worker slot, or 503 (see the class)."""
        with self._cond:
            if self.pending >= self.workers + self.queue:
                raise self._busy(f"{self.workers} being printed and {self.queue} waiting", "full",
                                 workers=self.workers, queue=self.queue)
            self.pending += 1
            self._cond.notify_all()
        try:
            if not self._slots.acquire(timeout=self.timeout):
                raise self._busy(f"no printer free within {self.timeout:g} s", "wait", seconds=self.timeout)
            try:
                return render(*args, timeout=self.timeout)
            except TerritoriaError:  # Chromium timed out or wrote nothing (its message names server paths)
                raise self._busy(f"the report was not printed within {self.timeout:g} s or Chromium "
                                 "failed", "failed", seconds=self.timeout) from None
            finally:
                self._slots.release()
        finally:
            with self._cond:
                self.pending -= 1
                self._cond.notify_all()
