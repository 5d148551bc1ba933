"""A large draw's work shared with processes forked from the one drawing: reading the file and keying the
entries, then writing the results, in parts at once. The results are byte for byte those of one process (the tests
draw every way and compare); only the time differs.

Forked, not spawned: the workers start at once and share the file's bytes with this process, inheriting what
they work on rather than being sent it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator
from itertools import pairwise
from typing import Any, BinaryIO, TypeVar

import numpy as np

from bordercase.ballot.files import (
    EntryColumns,
    EntryLines,
    FileBytes,
    columns_of,
    entry_lines,
    line_cuts,
)
from bordercase.ballot.keys import Pool, Progress, keys_between

T = TypeVar("T")

_PIECE_BYTES = 1 << 24  # of a worker's results at a time, as they are copied to the output

# What the forked workers read: set just before they are forked and cleared after (see _in_parts).
_SHARED: Any = None


def _in_parts(shared: Any, spans: list[tuple[int, int]], forked: Callable[[int, int], T],
              here: Callable[[int, int], T]) -> list[T]:
    """``here`` on the first span in this process and ``forked`` on each other span at the same time, in workers
    forked from this process that inherit ``shared``: the results in the spans' order."""
    global _SHARED
    _SHARED = shared
    children: list[tuple[int, BinaryIO]] = []
    try:
        for begin, end in spans[1:]:
            children.append(_fork(lambda out, begin=begin, end=end: pickle.dump(  # type: ignore[misc]
                forked(begin, end), out, protocol=pickle.HIGHEST_PROTOCOL)))
        results = [here(*spans[0])]
        while children:
            with _finished(*children.pop(0)) as part:  # no longer this function's to stop, once waited for
                results.append(pickle.load(part))  # noqa: S301 - written by a process forked here
        return results
    finally:
        _SHARED = None
        _stopped(children)


def _fork(work: Callable[[BinaryIO], None]) -> tuple[int, BinaryIO]:
    """A worker forked from this process, doing ``work`` into an unnamed temporary file: its process id and file.

    Forked and its output read from a file once it is done (_finished), which a ProcessPoolExecutor did some 100 ms
    slower in a draw of a second: its results came back through a pipe 64 KB at a time, read by a thread that
    waited for the interpreter lock while this process worked, and it waited for each worker to wind down the
    interpreter it had inherited.
    """
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by whoever reads it, or by _stopped
    try:
        pid = os.fork()
    except OSError:
        output.close()
        raise
    if pid:
        return pid, output
    # The worker leaves at once when done, flushing nothing else it inherited; a failure is told on standard error,
    # which it shares with this process, and by its exit status. Ctrl-C is this process's to answer: it stops the
    # workers itself (_stopped), so they do not each print an interruption of their own.
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        work(output)
        output.flush()
        status = 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(status)


def _finished(pid: int, output: BinaryIO) -> BinaryIO:
    """The worker's output, from the start, once it is done; RuntimeError if it failed (its file closed). The
    caller has taken it from its list of workers to stop: once waited for, its process id is no longer its own."""
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status):
        output.close()
        raise RuntimeError(f"A worker of the draw failed (exit status {os.waitstatus_to_exitcode(status)}): it was "
                           "killed, ran out of memory, or said why above.")
    output.seek(0)
    return output


def _stopped(children: list[tuple[int, BinaryIO]]) -> None:
    """Workers not yet heard from, after a failure here: stopped, and their files closed."""
    for pid, output in children:
        output.close()
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


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


def _read_and_key(data: FileBytes, seed: bytes, start: int, stop: int, progress: Progress | None
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


def read_and_key_in_parallel(data: FileBytes, seed: bytes, progress: Progress | None, workers: int
                             ) -> tuple[EntryColumns, np.ndarray] | None:
    """The file read and keyed in ``workers`` parts at once, this process doing the first and reporting progress as
    if the others keep pace with it; None for a file that entry_columns would leave to read_entries, which then
    names the line to fix."""
    spans = list(pairwise(line_cuts(data, workers)))
    read = _in_parts((data, seed), spans, _forked_read_and_key,
                     lambda start, stop: _read_and_key(data, seed, start, stop, _scaled(progress, len(spans))))
    done = [part for part in read if part is not None]
    if len(done) < len(read):
        return None
    # Joined a column at a time, each part's given up as it is joined: a large file's columns are never held twice.
    parts = [lines for lines, _ in done]
    leading = np.concatenate([keys for _, keys in done])
    del read, done
    columns = columns_of(data, parts)
    return None if columns is None else (columns, leading)


def _scaled(progress: Progress | None, workers: int) -> Progress | None:
    """Progress of this process's part, reported as if the workers keep pace with it."""
    return progress and (lambda stage, done, total: progress(stage, done * workers, total * workers))


def _rank_parts(ranks: int, workers: int) -> list[tuple[int, int]]:
    return list(pairwise([ranks * i // workers for i in range(workers + 1)]))


def results_in_parallel(columns: EntryColumns, order: np.ndarray, status: np.ndarray, progress: Progress | None,
                        workers: int) -> Iterator[bytes]:
    """The results file of EntryColumns.results, in pieces, its rows made in ``workers`` parts at once: this process
    makes the first part's as they are written, and workers forked from it the others', each into a file of its own
    read once this process has written its part."""
    parts = _rank_parts(len(order), workers)
    children: list[tuple[int, BinaryIO]] = []

    def rows(begin: int, end: int) -> Callable[[BinaryIO], None]:
        return lambda out: out.writelines(columns.results(order, status, None, begin, end))

    try:
        for begin, end in parts[1:]:
            children.append(_fork(rows(begin, end)))
        yield from columns.results(order, status, _scaled(progress, workers), *parts[0])
        while children:
            with _finished(*children.pop(0)) as part:
                while piece := part.read(_PIECE_BYTES):
                    yield piece
    finally:
        _stopped(children)


def results_in_place(columns: EntryColumns, order: np.ndarray, status: np.ndarray, progress: Progress | None,
                     workers: int, file: int, at: int) -> int:
    """The results file of EntryColumns.results written into the open file ``file`` (a file on disc) from offset
    ``at``, its rows made in ``workers`` parts at once, each process writing its own part where it goes; the offset
    just after the results.

    Where each part goes is known before it is made (EntryColumns.results_size). Copying the workers' parts after
    them, as results_in_parallel must, took some 30 ms of a draw of a second."""
    parts = _rank_parts(len(order), workers)
    offsets = [at]
    for begin, end in parts:
        offsets.append(offsets[-1] + columns.results_size(order, status, begin, end))
    children: list[tuple[int, BinaryIO]] = []

    def rows(part: int) -> Callable[[BinaryIO], None]:
        return lambda _: _write_at(file, columns.results(order, status, None, *parts[part]), offsets[part])

    try:
        for part in range(1, len(parts)):
            children.append(_fork(rows(part)))
        _write_at(file, columns.results(order, status, _scaled(progress, workers), *parts[0]), offsets[0])
        while children:
            _finished(*children.pop(0)).close()
    finally:
        _stopped(children)
    return offsets[-1]


def _write_at(file: int, pieces: Iterable[bytes], at: int) -> None:
    for piece in pieces:
        view = memoryview(piece)
        while view:
            written = os.pwrite(file, view, at)
            at, view = at + written, view[written:]
