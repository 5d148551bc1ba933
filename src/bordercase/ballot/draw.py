"""bordercase-ballot-v1: ranking entries by keyed hashes and walking the ranking to fill capped places.

Pure, and deterministic from the entries and the 32-byte seed alone: nothing here reads the clock, the order rows
came in, or when an entry was lodged. docs/ballot.md is the published definition; this is its implementation.

- An entry's key is the smallest, over k = 1 … weight, of HMAC-SHA256(seed, UTF-8 of ``entry_id#k``), compared as
  bytes: an entry of weight w holds w tickets.
- Entries are ranked by ascending key, ties by entry_id.
- The walk: an entry whose beneficiary appeared earlier in the ranking is a duplicate; otherwise it is selected
  while places remain and its category and employer caps are not full; otherwise waitlisted.
"""

from __future__ import annotations

import fcntl
import gc
import io
import os
import stat
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import BinaryIO

import numpy as np

from bordercase.ballot.cores import (
    keys_in_parallel,
    read_and_key_in_parallel,
    results_in_parallel,
    results_in_place,
)
from bordercase.ballot.files import (
    STATUS_CODES,
    Entry,
    EntryColumns,
    FileBytes,
    Result,
    Status,
    alike_runs,
    entry_columns,
    is_ballot_file,
    packed_sort,
    read_entries,
    results_csv,
    sharing,
)
from bordercase.ballot.keys import Pool, Progress, hmac_sha256, key_of, keys_between, pads

ALGORITHM = "bordercase-ballot-v1"
# Below this many entries, or a file of this many bytes (some 200,000 entries as bordercase writes them), a draw
# takes well under a second, and forking workers would cost more than it saves.
PARALLEL_FROM = 200_000
PARALLEL_FROM_BYTES = 20_000_000
_SELECTED, _WAITLISTED, _DUPLICATE = (STATUS_CODES.index(s) for s in (Status.SELECTED, Status.WAITLISTED,
                                                                        Status.DUPLICATE))


@dataclass(frozen=True)
class Caps:
    """The places, and the most any one category or employer may take; an empty category or employer is uncapped."""

    places: int
    category: Mapping[str, int] = field(default_factory=dict)
    employer: int | None = None

    def __post_init__(self) -> None:
        if self.places < 0 or any(v < 0 for v in self.category.values()) or (self.employer or 0) < 0:
            raise ValueError("Places and caps are whole numbers, 0 or more.")

class _Entries:
    """Entry objects as a Pool."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = entries
        self.weight = np.fromiter((e.weight for e in entries), dtype=np.int64, count=len(entries))
        present = np.fromiter((bool(e.beneficiary_id) for e in entries), dtype=bool, count=len(entries))
        hashes = np.fromiter((hash(e.beneficiary_id) for e in entries), dtype=np.int64,
                             count=len(entries)).view(np.uint64)
        self.shared_beneficiary = sharing(hashes, present, lambda at: [entries[i].beneficiary_id for i in at])

    def __len__(self) -> int:
        return len(self.entries)

    def messages(self, start: int, stop: int) -> list[bytes]:
        return [f"{e.entry_id}#{w}".encode() for e, w in zip(self.entries[start:stop],
                                                              self.weight[start:stop].tolist(), strict=True)]

    def other_messages(self, start: int, stop: int) -> list[bytes]:
        return [f"{e.entry_id}#{k}".encode() for e, w in zip(self.entries[start:stop],
                                                              self.weight[start:stop].tolist(), strict=True)
                for k in range(1, w)]

    def entry_id(self, index: int) -> bytes:
        return self.entries[index].entry_id.encode("utf-8")

    def fields(self, indices: Sequence[int]) -> tuple[list[str], list[str]]:
        chosen = [self.entries[i] for i in indices]
        return [e.category for e in chosen], [e.employer_id for e in chosen]

    @staticmethod
    def text(value: str) -> str:
        return value

def _leading_keys(pool: Pool, seed: bytes, progress: Progress | None, workers: int = 1) -> np.ndarray:
    """The first 8 bytes of every entry's key (keys.keys_between).

    With ``workers`` above 1 and enough entries, the entries are split between this process and workers forked
    from it, each keying its share (the keys are the same whoever computes them).
    """
    n = len(pool)
    if workers > 1 and n >= PARALLEL_FROM:
        return keys_in_parallel(pool, seed, progress, workers)
    return keys_between(pool, seed, 0, n, progress)

def _rank(leading: np.ndarray, tie_key: Callable[[int], tuple[bytes, bytes]]) -> np.ndarray:
    """Indices of the entries by ascending key, ties by entry_id, given the keys' first 8 bytes as integers.

    Sorted on the leading bits of those (with each entry's index packed below them, see packed_sort); entries
    whose leading bits are alike, a few hundred of 20 million, are then put in order by ``tie_key``: the whole key
    and the entry_id.
    """
    if len(leading) == 0:
        return np.zeros(0, dtype=np.int64)
    packed, bits = packed_sort(leading)
    places, run = alike_runs(packed, bits)
    packed &= np.uint64((1 << bits) - 1)
    order = packed.view(np.int64)
    # Each run of entries whose leading bits are alike is in a row where it belongs: sorted there in full.
    for _, together in groupby(zip(run.tolist(), places.tolist(), strict=True), key=lambda item: item[0]):
        at = [place for _, place in together]
        order[at] = sorted(order[at].tolist(), key=tie_key)
    return order


def _duplicates(pool: Pool, order: np.ndarray) -> np.ndarray:
    """Whether each rank's entry is a duplicate: its beneficiary_id is that of an entry ranked before it."""
    duplicate = np.zeros(len(order), dtype=bool)
    members, groups = pool.shared_beneficiary
    if len(members) == 0:
        return duplicate
    # The ranks of the entries that share a beneficiary (a few in a hundred), in rank order, and their groups.
    shares = np.zeros(len(order), dtype=bool)
    shares[members] = True
    ranks = np.flatnonzero(shares[order])
    by_entry = np.argsort(members)
    group = groups[by_entry][np.searchsorted(members[by_entry], order[ranks])]
    _, first = np.unique(group, return_index=True)  # the first of each group in rank order
    duplicate[ranks] = True
    duplicate[ranks[first]] = False
    return duplicate


def _statuses(order: np.ndarray, duplicate: np.ndarray, pool: Pool, caps: Caps,
              progress: Progress | None) -> np.ndarray:
    """The walk: each rank's status code. Duplicates are known already; places go to the others in rank order,
    as the caps allow, and once they are all taken everyone else is waitlisted, with nothing more to look at."""
    status = np.full(len(order), _WAITLISTED, dtype=np.int8)
    status[duplicate] = _DUPLICATE
    capped = {pool.text(c): cap for c, cap in caps.category.items() if c}
    employer_cap = caps.employer
    per_category: Counter[object] = Counter()
    per_employer: Counter[object] = Counter()
    selected: list[int] = []
    start, size = 0, max(1024, 2 * caps.places)
    while len(selected) < caps.places and start < len(order):
        # The ranks that are not duplicates, a block at a time, each block twice as many as the last.
        ranks = np.flatnonzero(~duplicate[start:start + size]) + start
        if not capped and employer_cap is None:  # no caps: the places go to the first of them
            selected += ranks[:caps.places - len(selected)].tolist()
        else:
            categories, employers = pool.fields(order[ranks].tolist())
            for rank, category, employer in zip(ranks.tolist(), categories, employers, strict=True):
                if category in capped and per_category[category] >= capped[category]:
                    continue
                if employer and employer_cap is not None and per_employer[employer] >= employer_cap:
                    continue
                selected.append(rank)
                per_category[category] += 1
                per_employer[employer] += 1
                if len(selected) == caps.places:
                    break
        start, size = start + size, size * 2
        if progress:
            progress("walk", min(start, len(order)), len(order))
    status[selected] = _SELECTED
    return status


def _draw(pool: Pool, caps: Caps, seed: bytes, progress: Progress | None, workers: int = 1
          ) -> tuple[np.ndarray, np.ndarray]:
    """The ranking (entry indices in rank order) and each rank's status code."""
    return _ranked(pool, caps, seed, _leading_keys(pool, seed, progress, workers), progress)


def _ranked(pool: Pool, caps: Caps, seed: bytes, leading: np.ndarray, progress: Progress | None
            ) -> tuple[np.ndarray, np.ndarray]:
    digest = hmac_sha256(seed)
    weight = pool.weight
    order = _rank(leading, lambda i: (key_of(digest, pool.entry_id(i), int(weight[i])), pool.entry_id(i)))
    return order, _statuses(order, _duplicates(pool, order), pool, caps, progress)


def draw(entries: Sequence[Entry], caps: Caps, seed: bytes, progress: Progress | None = None) -> list[Result]:
    """The results of a ballot, in rank order. The entries may come in any order: the result is the same."""
    entries = list(entries)
    if len({e.entry_id for e in entries}) != len(entries):
        raise ValueError("Two entries have the same entry_id: each entry appears once.")
    if any(e.weight < 1 for e in entries):
        raise ValueError("Every entry's weight is a whole number, 1 or more.")
    pads(seed)
    order, status = _draw(_Entries(entries), caps, seed, progress)
    return _results(entries, order, status)


@dataclass(frozen=True)
class DrawnFile:
    """A ballot drawn from an entries file (drawn_file), its results not yet made: they are made as they are
    written, as pieces (``pieces``) or into a file (``write_to``)."""

    columns: EntryColumns | None  # None for a file the columns left to read_entries, drawn already as ``plain``
    order: np.ndarray
    status: np.ndarray
    progress: Progress | None
    workers: int
    plain: bytes = b""

    def _in_parts(self) -> bool:
        return self.columns is not None and self.workers > 1 and len(self.columns) >= PARALLEL_FROM

    def pieces(self) -> Iterator[bytes]:
        """The results file in pieces, to write one after another."""
        if self.columns is None:
            return iter([self.plain])
        if self._in_parts():
            return results_in_parallel(self.columns, self.order, self.status, self.progress, self.workers)
        return self.columns.results(self.order, self.status, self.progress)

    def write_to(self, out: BinaryIO) -> None:
        """The results file written to ``out``: into a file on disc, each process writes its part where it goes."""
        if self.columns is None or not self._in_parts() or not _on_disc(out):
            out.writelines(self.pieces())
            return
        out.flush()
        out.seek(results_in_place(self.columns, self.order, self.status, self.progress, self.workers, out.fileno(),
                                  out.tell()))


def _on_disc(out: BinaryIO) -> bool:
    """Whether the workers can write their parts into ``out`` where they go: a file on disc, not opened to append
    (where Linux writes every part at the end, whatever its offset)."""
    try:
        descriptor = out.fileno()
        return stat.S_ISREG(os.fstat(descriptor).st_mode) and not fcntl.fcntl(descriptor, fcntl.F_GETFL) & os.O_APPEND
    except (OSError, ValueError, io.UnsupportedOperation):  # no file descriptor: a BytesIO, say
        return False


def drawn_file(data: FileBytes, caps: Caps, seed: bytes, progress: Progress | None = None, workers: int = 1
               ) -> DrawnFile:
    """A ballot drawn from the bytes of an entries file, to write its results (see DrawnFile).

    The same results as ``results_csv(draw(read_entries(data), caps, seed))``, from the file read as columns
    (EntryColumns) rather than as an Entry object for each line, which for twenty million entries would take many
    minutes and tens of gigabytes. A file that read_entries refuses raises its BallotFileError, naming the line.
    """
    pads(seed)
    if workers > 1 and len(data) >= PARALLEL_FROM_BYTES and is_ballot_file(data):
        read = read_and_key_in_parallel(data, seed, progress, workers)
        if read is not None:
            return DrawnFile(read[0], *_ranked(read[0], caps, seed, read[1], progress), progress, workers)
    columns = entry_columns(data, progress)
    if columns is None:
        none = np.zeros(0, dtype=np.int64)
        return DrawnFile(None, none, none, progress, workers,
                         results_csv(draw(read_entries(bytes(data)), caps, seed, progress)))
    return DrawnFile(columns, *_draw(columns, caps, seed, progress, workers), progress, workers)


def draw_file(data: FileBytes, caps: Caps, seed: bytes, progress: Progress | None = None, workers: int = 1
              ) -> Iterator[bytes]:
    """The results file of drawn_file, in pieces to write one after another."""
    return drawn_file(data, caps, seed, progress, workers).pieces()


def _results(entries: Sequence[Entry], order: np.ndarray, status: np.ndarray) -> list[Result]:
    ids = [entries[i].entry_id for i in order.tolist()]
    statuses = [STATUS_CODES[s] for s in status.tolist()]
    # Millions of new objects, none in a cycle: the garbage collector would only walk them again and again (it
    # takes a third of the time), so it waits until they are made.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return list(map(Result, range(1, len(ids) + 1), ids, statuses))
    finally:
        if collecting:
            gc.enable()


def rank_by_receipt(entries: Sequence[Entry], caps: Caps) -> list[Result]:
    """The results of an order-of-receipt round: by priority tier, then lodging time, then entry_id."""
    entries = list(entries)
    order = np.array(sorted(range(len(entries)), key=lambda i: (entries[i].priority, entries[i].lodged_at,
                                                                 entries[i].entry_id)), dtype=np.int64)
    pool = _Entries(entries)
    return _results(entries, order, _statuses(order, _duplicates(pool, order), pool, caps, None))


def promote_next(results: Sequence[Result], holding: Collection[str], released: Collection[str],
                 entries: Mapping[str, Entry], caps: Caps) -> str | None:
    """The entry a released place goes to: the first waitlisted one in rank order that the caps allow.

    ``holding`` are the entries holding a place now, which the caps are counted over; ``released`` are those that
    gave a place up or left the waitlist (withdrawn, declined, lapsed) and can never take one.
    """
    holders = [entries[h] for h in holding]
    if len(holders) >= caps.places:
        return None
    per_category = Counter(e.category for e in holders)
    per_employer = Counter(e.employer_id for e in holders)
    for result in sorted(results, key=lambda r: r.rank):
        if result.status is not Status.WAITLISTED or result.entry_id in released or result.entry_id in holding:
            continue
        if _room(entries[result.entry_id], caps, per_category, per_employer):
            return result.entry_id
    return None


def _room(entry: Entry, caps: Caps, per_category: Mapping[str, int], per_employer: Mapping[str, int]) -> bool:
    if entry.category and entry.category in caps.category and per_category[entry.category] >= caps.category[
            entry.category]:
        return False
    return not (entry.employer_id and caps.employer is not None and per_employer[entry.employer_id] >= caps.employer)


class Walk:
    """The draw's walk over any ranking of one pool: how the chances before a draw are estimated, by walking many
    random rankings exactly as the draw walks its one."""

    def __init__(self, entries: Sequence[Entry], caps: Caps) -> None:
        self.pool, self.caps = _Entries(list(entries)), caps

    @property
    def weight(self) -> np.ndarray:
        return self.pool.weight

    def selected(self, order: np.ndarray) -> np.ndarray:
        """The indices (into the entries) of those the walk selects when ranked in ``order``."""
        status = _statuses(order, _duplicates(self.pool, order), self.pool, self.caps, None)
        selected: np.ndarray = order[status == _SELECTED]
        return selected
