"""A large draw's work shared with processes forked from the one drawing: reading the file and keying the
entries, in parts at once. The results are byte for byte those of one process (the tests draw every way and
compare); only the time differs.

Writing the results is left to one process: gathering entry_ids in rank order is bound by memory, not by the
processor, and two processes made it no quicker here.

Forked, not spawned: the workers start at once and share the file's bytes with this process. What they read is
set in a module variable just before they are forked, so they inherit it rather than being sent it, and cleared
after.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from bordercase.ballot.files import (
    EntryColumns,
    EntryLines,
    columns_of,
    entry_lines,
    line_cuts,
)
from bordercase.ballot.keys import Pool, Progress, keys_between

# What the forked workers read, each kind of work its own.
_FORKED: tuple[Pool, bytes] | None = None
_FORKED_FILE: tuple[bytes, bytes] | None = None


def _forked_keys(begin: int, end: int) -> np.ndarray:
    if _FORKED is None:
        raise RuntimeError("A keying worker was started without the pool to key: it must be forked.")
    pool, seed = _FORKED
    return keys_between(pool, seed, begin, end, None)


def keys_in_parallel(pool: Pool, seed: bytes, progress: Progress | None, workers: int) -> np.ndarray:
    """The leading keys of entries already read, keyed in ``workers`` shares at once, this process keying the
    first."""
    global _FORKED
    n = len(pool)
    bounds = [n * i // workers for i in range(workers + 1)]
    _FORKED = (pool, seed)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as executor:
            others = [executor.submit(_forked_keys, bounds[i], bounds[i + 1]) for i in range(1, workers)]
            # This process keys the first share, and reports progress as if the others keep pace with it.
            mine = keys_between(pool, seed, 0, bounds[1], progress, report=lambda done: done * workers)
            return np.concatenate([mine, *(other.result() for other in others)])
    finally:
        _FORKED = None


def _read_and_key(data: bytes, seed: bytes, start: int, stop: int, progress: Progress | None
                  ) -> tuple[EntryLines, np.ndarray] | None:
    """The lines of the file from start to stop, read and checked, and their leading keys."""
    lines = entry_lines(data, start, stop, progress)
    if lines is None:
        return None
    pool = EntryColumns(data, np.concatenate([lines.bounds, [stop]]), lines.id_length, lines.weight)
    return lines, keys_between(pool, seed, 0, len(pool), progress)


def _forked_read_and_key(start: int, stop: int) -> tuple[EntryLines, np.ndarray] | None:
    if _FORKED_FILE is None:
        raise RuntimeError("A reading worker was started without the file to read: it must be forked.")
    data, seed = _FORKED_FILE
    return _read_and_key(data, seed, start, stop, None)


def read_and_key_in_parallel(data: bytes, seed: bytes, progress: Progress | None, workers: int
                              ) -> tuple[EntryColumns, np.ndarray] | None:
    """The file read and keyed in ``workers`` parts at once, this process doing the first; None for a file that
    entry_columns would leave to read_entries, which then names the line to fix."""
    global _FORKED_FILE
    cuts = line_cuts(data, workers)
    _FORKED_FILE = (data, seed)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=max(1, len(cuts) - 2), mp_context=context) as executor:
            others = [executor.submit(_forked_read_and_key, cuts[i], cuts[i + 1]) for i in range(1, len(cuts) - 1)]
            # This process reads the first part, and reports progress as if the others keep pace with it.
            parts = len(cuts) - 1
            mine = _read_and_key(data, seed, cuts[0], cuts[1], progress and (
                lambda stage, done, total: progress(stage, done * parts, total * parts)))
            read = [mine, *(other.result() for other in others)]
    finally:
        _FORKED_FILE = None
    done = [part for part in read if part is not None]
    if len(done) < len(read):
        return None
    columns = columns_of(data, [lines for lines, _ in done])
    return None if columns is None else (columns, np.concatenate([leading for _, leading in done]))
