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

import hashlib
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from bordercase.ballot.files import Entry, Result, Status

ALGORITHM = "bordercase-ballot-v1"
SEED_BYTES = 32
KEY_BYTES = 32
# Called now and then on a long draw: (stage, done, total), for a progress display.
Progress = Callable[[str, int, int], None]
_EVERY = 1 << 18


@dataclass(frozen=True)
class Caps:
    """The places, and the most any one category or employer may take; an empty category or employer is uncapped."""

    places: int
    category: Mapping[str, int] = field(default_factory=dict)
    employer: int | None = None

    def __post_init__(self) -> None:
        if self.places < 0 or any(v < 0 for v in self.category.values()) or (self.employer or 0) < 0:
            raise ValueError("Places and caps are whole numbers, 0 or more.")


def _hmac_sha256(seed: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA256 keyed with the seed (RFC 2104), its padded key hashed once for every message.

    The same function as ``hmac.digest(seed, message, "sha256")``, about twice as fast for millions of short
    messages, since the two padded-key blocks are not hashed again for each one.
    """
    if len(seed) != SEED_BYTES:
        raise ValueError(f"The seed is {SEED_BYTES} bytes (64 hexadecimal characters); this one is {len(seed)}.")
    block = seed.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block)).copy
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block)).copy

    def digest(message: bytes) -> bytes:
        first = inner()
        first.update(message)
        second = outer()
        second.update(first.digest())
        return second.digest()

    return digest


def entry_key(seed: bytes, entry_id: str, weight: int) -> bytes:
    """The entry's key: its smallest ticket."""
    digest = _hmac_sha256(seed)
    prefix = entry_id.encode("utf-8") + b"#"
    return min(digest(prefix + str(k).encode("ascii")) for k in range(1, weight + 1))


def _keys(ids: Sequence[bytes], weights: Sequence[int], seed: bytes, progress: Progress | None) -> bytearray:
    digest = _hmac_sha256(seed)
    keys = bytearray(len(ids) * KEY_BYTES)
    for i, (entry_id, weight) in enumerate(zip(ids, weights, strict=True)):
        prefix = entry_id + b"#"
        if weight == 1:
            key = digest(prefix + b"1")
        else:
            key = min(digest(prefix + str(k).encode("ascii")) for k in range(1, weight + 1))
        keys[i * KEY_BYTES:(i + 1) * KEY_BYTES] = key
        if progress and i % _EVERY == 0:
            progress("keys", i, len(ids))
    return keys


def _rank(keys: bytearray, ids: Sequence[bytes]) -> np.ndarray:
    """Indices of the entries by ascending key, ties by entry_id.

    Sorted on the keys' first 8 bytes as big-endian integers, which orders them as bytes; entries whose first 8
    bytes are equal (about one pair in 10^8 for 20 million entries) are then put in order by the whole key.
    """
    n = len(ids)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    leading = np.frombuffer(keys, dtype=">u8").reshape(n, KEY_BYTES // 8)[:, 0]
    order = np.argsort(leading, kind="stable")
    ranked = leading[order]
    same = np.flatnonzero(ranked[1:] == ranked[:-1])
    start = 0
    while start < len(same):
        end = start
        while end + 1 < len(same) and same[end + 1] == same[end] + 1:
            end += 1
        lo, hi = same[start], same[end] + 2
        run = sorted(order[lo:hi].tolist(), key=lambda i: (bytes(keys[i * KEY_BYTES:(i + 1) * KEY_BYTES]), ids[i]))
        order[lo:hi] = run
        start = end + 1
    return order


def _walk(order: Sequence[int], entries: Sequence[Entry], caps: Caps, progress: Progress | None) -> list[Result]:
    seen: set[str] = set()
    per_category: Counter[str] = Counter()
    per_employer: Counter[str] = Counter()
    selected = 0
    results = []
    for rank, index in enumerate(order, start=1):
        entry = entries[index]
        if entry.beneficiary_id and entry.beneficiary_id in seen:
            status = Status.DUPLICATE
        else:
            if entry.beneficiary_id:
                seen.add(entry.beneficiary_id)
            if selected < caps.places and _room(entry, caps, per_category, per_employer):
                status = Status.SELECTED
                selected += 1
                per_category[entry.category] += 1
                per_employer[entry.employer_id] += 1
            else:
                status = Status.WAITLISTED
        results.append(Result(rank, entry.entry_id, status))
        if progress and rank % _EVERY == 0:
            progress("walk", rank, len(order))
    return results


def _room(entry: Entry, caps: Caps, per_category: Mapping[str, int], per_employer: Mapping[str, int]) -> bool:
    if entry.category and entry.category in caps.category and per_category[entry.category] >= caps.category[
            entry.category]:
        return False
    return not (entry.employer_id and caps.employer is not None and per_employer[entry.employer_id] >= caps.employer)


def draw(entries: Sequence[Entry], caps: Caps, seed: bytes, progress: Progress | None = None) -> list[Result]:
    """The results of a ballot, in rank order. The entries may come in any order: the result is the same."""
    ids = [e.entry_id.encode("utf-8") for e in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("Two entries have the same entry_id: each entry appears once.")
    if any(e.weight < 1 for e in entries):
        raise ValueError("Every entry's weight is a whole number, 1 or more.")
    keys = _keys(ids, [e.weight for e in entries], seed, progress)
    order = _rank(keys, ids)
    return _walk(order.tolist(), entries, caps, progress)


def rank_by_receipt(entries: Sequence[Entry], caps: Caps) -> list[Result]:
    """The results of an order-of-receipt round: by priority tier, then lodging time, then entry_id."""
    order = sorted(range(len(entries)), key=lambda i: (entries[i].priority, entries[i].lodged_at, entries[i].entry_id))
    return _walk(order, entries, caps, None)


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
