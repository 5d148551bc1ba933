"""A large draw's work shared with processes forked from the one drawing: reading the file and keying the
entries, in parts at once. The results are byte for byte those of one process (the tests draw every way and
compare); only the time differs.

Writing the results is left to one process: gathering entry_ids in rank order is bound by memory, not by the
processor, and two processes made it no quicker here.

Forked, not spawned: the workers start at once and share the file's bytes with this process, inheriting what
they work on rather than being sent it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from itertools import pairwise
from typing import Any, TypeVar

import numpy as np

from bordercase.ballot.files import (
    EntryColumns,
    EntryLines,
    columns_of,
    entry_lines,
    line_cuts,
)
from bordercase.ballot.keys import Pool, Progress, keys_between

T = TypeVar("T")

# What the forked workers read: set just before they are forked and cleared after (see _in_parts).
_SHARED: Any = None


def _in_parts(shared: Any, spans: list[tuple[int, int]], forked: Callable[[int, int], T],
              here: Callable[[int, int], T]) -> list[T]:
    """``here`` on the first span in this process and ``forked`` on each other span at the same time, in workers
    forked from this process that inherit ``shared``: the results in the spans' order."""
    global _SHARED
    _SHARED = shared
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=max(1, len(spans) - 1), mp_context=context) as executor:
            others = [executor.submit(forked, *span) for span in spans[1:]]
            return [here(*spans[0]), *(other.result() for other in others)]
    finally:
        _SHARED = None


def _inherited() -> Any:
    if _SHARED is None:
        raise RuntimeError("A worker was started without what it works on: it must be forked by _in_parts.")
    return _SHARED


def _forked_keys(begin: int, end: int) -> np.ndarray:
    pool, seed = _inherited()
    return keys_between(pool, seed, begin, end, None)


def keys_in_parallel(pool: Pool, seed: bytes, progress: Progress | None, workers: int) -> np.ndarray:
    """The leading keys of entries already read, keyed in ``workers`` shares at once, this process keying the
    first and reporting progress as if the others keep pace with it."""
    bounds = [len(pool) * i // workers for i in range(workers + 1)]
    keyed = _in_parts((pool, seed), list(pairwise(bounds)), _forked_keys, lambda begin, end: keys_between(
        pool, seed, begin, end, progress, report=lambda done: done * workers))
    return np.concatenate(keyed)


def _read_and_key(data: bytes, seed: bytes, start: int, stop: int, progress: Progress | None
                  ) -> tuple[EntryLines, np.ndarray] | None:
    """The lines of the file from start to stop, read and checked, and their leading keys."""
    lines = entry_lines(data, start, stop, progress)
    if lines is None:
        return None
    pool = EntryColumns(data, np.concatenate([lines.bounds, [stop]]), lines.id_length, lines.weight)
    return lines, keys_between(pool, seed, 0, len(pool), progress)


def _forked_read_and_key(start: int, stop: int) -> tuple[EntryLines, np.ndarray] | None:
    data, seed = _inherited()
    return _read_and_key(data, seed, start, stop, None)


def read_and_key_in_parallel(data: bytes, seed: bytes, progress: Progress | None, workers: int
                             ) -> tuple[EntryColumns, np.ndarray] | None:
    """The file read and keyed in ``workers`` parts at once, this process doing the first and reporting progress as
    if the others keep pace with it; None for a file that entry_columns would leave to read_entries, which then
    names the line to fix."""
    spans = list(pairwise(line_cuts(data, workers)))
    scaled = progress and (lambda stage, done, total: progress(stage, done * len(spans), total * len(spans)))
    read = _in_parts((data, seed), spans, _forked_read_and_key,
                     lambda start, stop: _read_and_key(data, seed, start, stop, scaled))
    done = [part for part in read if part is not None]
    if len(done) < len(read):
        return None
    # Joined a column at a time, each part's given up as it is joined: a large file's columns are never held twice.
    parts = [lines for lines, _ in done]
    leading = np.concatenate([keys for _, keys in done])
    del read, done
    columns = columns_of(data, parts)
    return None if columns is None else (columns, leading)
