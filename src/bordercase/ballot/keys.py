"""The keys of a draw: HMAC-SHA256 of each entry's tickets under the seed, the one part that costs per ticket.

Pure and deterministic, as the draw is (docs/ballot.md): an entry's key is the smallest, over k = 1 … weight, of
HMAC-SHA256(seed, UTF-8 of ``entry_id#k``), compared as bytes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from functools import cache
from typing import Protocol

import numpy as np

try:
    from _sha256 import sha256 as _cpython_sha256  # Python 3.11
except ImportError:  # pragma: no cover - Python 3.12 and later, or a build without it
    try:
        from _sha2 import sha256 as _cpython_sha256  # type: ignore[no-redef, unused-ignore]
    except ImportError:
        _cpython_sha256 = None  # type: ignore[assignment, unused-ignore]

SEED_BYTES = 32
KEY_BYTES = 32
# Called now and then on a long draw: (stage, done, total), for a progress display.
Progress = Callable[[str, int, int], None]
_CHUNK = 1 << 16  # entries keyed at a time


class _Hash(Protocol):
    """A SHA-256 in progress, as hashlib's and CPython's own both are."""

    def copy(self) -> _Hash: ...

    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


def sha256_constructors() -> list[Callable[[bytes], _Hash]]:
    """The SHA-256s this Python has: OpenSSL's, and CPython's own where it is built. Their digests are the same."""
    return [hashlib.sha256, *([_cpython_sha256] if _cpython_sha256 is not None else [])]


@cache
def fastest_sha256() -> Callable[[bytes], _Hash]:
    """Whichever SHA-256 makes HMACs of short messages quicker on this machine, timed once a process (some 3 ms).
    For messages of a few dozen bytes the work is in making and copying hash objects: CPython's own did it some 15%
    faster on an Intel Xeon, OpenSSL's some 17% faster on an AMD EPYC with SHA instructions."""
    made = sha256_constructors()
    messages = [b"%020d#1" % i for i in range(500)]
    best = dict.fromkeys(range(len(made)), float("inf"))
    # Each timed in turn, first in one order and then the other, so that neither has the processor still warming to
    # the work, or a moment's load on the machine, to itself; the first round only warms.
    for round_ in range(5):
        for i in range(len(made))[::1 if round_ % 2 else -1]:
            inner, outer = made[i](b"\x36" * 64), made[i](b"\x5c" * 64)
            began = time.perf_counter()
            _hmacs(inner, outer, messages)
            if round_:
                best[i] = min(best[i], time.perf_counter() - began)
    return made[min(best, key=best.__getitem__)]


def pads(seed: bytes) -> tuple[_Hash, _Hash]:
    """SHA-256 with HMAC's inner and outer padded keys already hashed in (RFC 2104), to copy for each message.

    Hashing the two padded-key blocks once rather than for every message makes HMAC-SHA256 about twice as fast as
    ``hmac.digest`` for millions of short messages.
    """
    if len(seed) != SEED_BYTES:
        raise ValueError(f"The seed is {SEED_BYTES} bytes (64 hexadecimal characters); this one is {len(seed)}.")
    block = seed.ljust(64, b"\0")
    sha256 = fastest_sha256()
    return sha256(bytes(b ^ 0x36 for b in block)), sha256(bytes(b ^ 0x5C for b in block))


def hmac_sha256(seed: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA256 keyed with the seed: the same function as ``hmac.digest(seed, message, "sha256")``."""
    inner, outer = pads(seed)

    def digest(message: bytes) -> bytes:
        first = inner.copy()
        first.update(message)
        second = outer.copy()
        second.update(first.digest())
        return second.digest()

    return digest


def key_of(digest: Callable[[bytes], bytes], entry_id: bytes, weight: int) -> bytes:
    prefix = entry_id + b"#"
    return min(digest(prefix + str(k).encode("ascii")) for k in range(1, weight + 1))


def entry_key(seed: bytes, entry_id: str, weight: int) -> bytes:
    """The entry's key: its smallest ticket."""
    return key_of(hmac_sha256(seed), entry_id.encode("utf-8"), weight)

class Pool(Protocol):
    """The entries of a draw as the draw reads them, in some fixed order: EntryColumns from a file, or _Entries."""

    weight: np.ndarray
    shared_beneficiary: tuple[np.ndarray, np.ndarray]

    def __len__(self) -> int: ...

    def messages(self, start: int, stop: int) -> list[bytes]: ...

    def other_messages(self, start: int, stop: int) -> list[bytes]: ...

    def entry_id(self, index: int) -> bytes: ...

    def fields(self, indices: Sequence[int]) -> tuple[Sequence[object], Sequence[object]]: ...

    def text(self, value: str) -> object: ...

def keys_between(pool: Pool, seed: bytes, begin: int, end: int, progress: Progress | None,
                  report: Callable[[int], int] = lambda done: done) -> np.ndarray:
    """The first 8 bytes of the keys of the entries from ``begin`` to ``end``, as big-endian integers, which order
    as the bytes do.

    Each entry's message ``entry_id#weight`` is its ticket k = weight; the other tickets of entries of more than one
    are hashed after, all together, and each entry keeps the smallest. The smallest key's first 8 bytes are the
    smallest of its tickets' first 8 bytes, so these are all that are compared; ranking compares keys whose first
    bytes are alike in full (draw._rank).
    """
    n = end - begin
    inner, outer = pads(seed)
    leading = np.empty(n, dtype=np.uint64)
    for start in range(begin, end, _CHUNK):
        stop = min(start + _CHUNK, end)
        messages = pool.messages(start, stop)
        chunk = leading[start - begin:stop - begin]
        chunk[:] = _leading(_hmacs(inner, outer, messages))
        _other_tickets(pool, inner, outer, start, stop, chunk)
        if progress:
            progress("keys", report(stop - begin), len(pool))
    return leading


def _other_tickets(pool: Pool, inner: _Hash, outer: _Hash, start: int, stop: int, leading: np.ndarray) -> None:
    """Each entry's tickets but the first hashed, ``_CHUNK`` tickets or so at a time (an entry of weight 1,000
    has 999): ``leading`` (the entries' from ``start``) keeps the smallest first 8 bytes."""
    more = pool.weight[start:stop].astype(np.int64) - 1
    upto = np.cumsum(more)  # the other tickets of the entries up to and including each
    begin = 0
    while begin < len(more) and upto[-1] > (upto[begin - 1] if begin else 0):
        # As many entries as a batch holds, and at least one, whatever its weight.
        end = max(begin + 1, int(np.searchsorted(upto, (upto[begin - 1] if begin else 0) + _CHUNK, side="right")))
        others = pool.other_messages(start + begin, start + end)
        if others:
            owner = np.repeat(np.arange(begin, end), more[begin:end])
            np.minimum.at(leading, owner, _leading(_hmacs(inner, outer, others)))
        begin = end


def _hmacs(inner: _Hash, outer: _Hash, messages: list[bytes]) -> bytes:
    """HMAC-SHA256 of each message, one after another, from the padded keys (pads).

    The one loop of the draw that runs in Python for every ticket, and its time: written out here, as in
    hmac_sha256, because a function call for each of twenty million tickets would cost more than a tenth again.
    """
    keys: list[bytes] = []
    keep = keys.append
    for message in messages:
        first = inner.copy()
        first.update(message)
        second = outer.copy()
        second.update(first.digest())
        keep(second.digest())
    return b"".join(keys)


def _leading(keys: bytes) -> np.ndarray:
    """The first 8 bytes of each key, as big-endian integers."""
    return np.frombuffer(keys, dtype=">u8")[::KEY_BYTES // 8].astype(np.uint64)
