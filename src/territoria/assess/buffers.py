"""Output arrays of the local engine's steps, reused within a run that keeps only the scores.

A step writes its output into a fresh array (:func:`empty`). On a large panel a fresh array costs more
than the arithmetic written into it: the kernel has to find, zero and map its pages. A run with
``keep="scores"`` (:meth:`territoria.assess.pipeline.Assessment.run`) holds no indicator stage to the end,
so once a stage has been read by its last step and accounted for (digested, reported), its arrays can
take the next step's output instead of new memory. :class:`BufferPool` is that exchange, for one run:

* :meth:`BufferPool.empty` hands out a released array of the same size, dtype and layout, else a new
  one, which the pool then knows as its own;
* :meth:`BufferPool.release` takes back the array of a dropped stage — only an array the pool handed out
  (never the caller's input), whole, and only when no stage still held shares its memory.

Which pool a step's :func:`empty` draws from is set by :func:`reusing` for the calling thread only (a
:class:`contextvars.ContextVar`, as :mod:`territoria.assess.threads` holds the thread count); outside it,
:func:`empty` is :func:`numpy.empty`. A released array's old values are never read: every kernel that
takes one writes each of its cells before anything reads it, as with :func:`numpy.empty`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

__all__ = ["BufferPool", "empty", "reusing"]

_POOL: ContextVar[BufferPool | None] = ContextVar("territoria_assess_buffers", default=None)


def _key(shape: tuple[int, ...], dtype: np.dtype, order: str) -> tuple[tuple[int, ...], str, str]:
    return tuple(shape), np.dtype(dtype).str, order


class BufferPool:
    """Arrays handed out by :meth:`empty` and given back by :meth:`release`, for one run.

    Attributes
    ----------
    reused_ : int
        How many :meth:`empty` calls were served by a released array.
    released_ : int
        How many arrays were taken back.
    """

    def __init__(self) -> None:
        self._owned: dict[int, np.ndarray] = {}          # data address -> the array handed out
        self._free: dict[tuple[tuple[int, ...], str, str], list[np.ndarray]] = {}
        self.reused_ = 0
        self.released_ = 0

    def empty(self, shape: tuple[int, ...], dtype: type | np.dtype = float, order: str = "F") -> np.ndarray:
        """An uninitialised array: a released one of the same shape, dtype and order, else a new one."""
        free = self._free.get(_key(shape, dtype, order))
        if free:
            self.reused_ += 1
            return free.pop()
        out = np.empty(shape, dtype=dtype, order=order)
        if out.size:
            self._owned[out.__array_interface__["data"][0]] = out
        return out

    def release(self, columns: Sequence[np.ndarray], *, held: Iterable[np.ndarray] = ()) -> bool:
        """Take back the array whose columns ``columns`` are (one table's columns, in order), if this
        pool handed it out and no array of ``held`` (the columns of the stages still in use) shares its
        memory; True when taken back. The caller must read none of them again."""
        if not columns or not columns[0].size:
            return False
        own = self._owned.get(columns[0].__array_interface__["data"][0])
        if own is None or own.ndim != 2 or not own.flags.f_contiguous or own.shape[1] != len(columns):
            return False                                    # not ours, or not the whole of ours
        base, step = own.__array_interface__["data"][0], own.strides[1]
        for j, col in enumerate(columns):
            if col.shape != (own.shape[0],) or col.__array_interface__["data"][0] != base + j * step:
                return False
        if any(np.may_share_memory(own, h) for h in held):
            return False
        free = self._free.setdefault(_key(own.shape, own.dtype, "F"), [])
        if any(f is own for f in free):
            return False
        free.append(own)
        self.released_ += 1
        return True


@contextmanager
def reusing(pool: BufferPool | None) -> Iterator[BufferPool | None]:
    """Let :func:`empty` draw from ``pool`` in this context (None: fresh arrays only)."""
    token = _POOL.set(pool)
    try:
        yield pool
    finally:
        _POOL.reset(token)


def empty(shape: tuple[int, ...], dtype: type | np.dtype = float, order: str = "F") -> np.ndarray:
    """An uninitialised output array, from the pool of :func:`reusing` when one is set."""
    pool = _POOL.get()
    return np.empty(shape, dtype=dtype, order=order) if pool is None else pool.empty(shape, dtype, order)
