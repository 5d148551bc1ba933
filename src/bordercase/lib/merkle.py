"""The Merkle tree of an append-only log, as RFC 9162 (Certificate Transparency 2.0) defines it, section 2.1.

Pure functions over leaf hashes, so that anyone holding the log's entries can re-compute its root and check its
proofs without bordercase: the tree hash of n entries (MTH), the proof that an entry is in a tree of a given size
(inclusion), and the proof that a larger tree extends a smaller one, changing nothing it held (consistency).

A leaf's hash is SHA-256(0x00 ‖ entry) and an inner node's SHA-256(0x01 ‖ left ‖ right): the two prefixes keep a
leaf from ever being taken for a node. Sizes are counts of entries; indexes count from 0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_BYTES = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (at least 2): where RFC 9162 splits a tree of that size."""
    return 1 << ((size - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH: the tree hash of these leaf hashes, in order (RFC 9162, 2.1.1)."""
    if not leaves:
        return EMPTY_ROOT
    # Bottom up: each level pairs its nodes left to right, and a last node without a pair rises as it is, which
    # gives the same tree as the RFC's split at the largest power of two.
    level = list(leaves)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH: the hashes that lead from leaf ``index`` to the root of the tree of ``leaves`` (RFC 9162, 2.1.3.1)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"There is no entry {index} in a log of {len(leaves)}.")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_proof(leaves[:k], index), root(leaves[k:])]
    return [*inclusion_proof(leaves[k:], index - k), root(leaves[:k])]


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF: the hashes that show the tree of ``leaves`` extends its first ``old_size`` (RFC 9162, 2.1.4.1)."""
    if not 0 < old_size <= len(leaves):
        raise ValueError(f"A log of {len(leaves)} has no earlier size {old_size} to prove it extends.")
    return _subproof(leaves, old_size, True)


def _subproof(leaves: Sequence[bytes], m: int, whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(leaves[:k], m, whole), root(leaves[k:])]
    return [*_subproof(leaves[k:], m - k, False), root(leaves[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes) -> bool:
    """Whether ``proof`` shows the leaf hash ``leaf`` at ``index`` in the tree of ``size`` with ``expected_root``
    (RFC 9162, 2.1.3.2)."""
    if not 0 <= index < size or any(len(h) != HASH_BYTES for h in (*proof, leaf, expected_root)):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows the tree of ``new_size`` with ``new_root`` extends the tree of ``old_size`` with
    ``old_root``, every entry of the old in its place (RFC 9162, 2.1.4.2)."""
    if not 0 < old_size <= new_size or any(len(h) != HASH_BYTES for h in (*proof, old_root, new_root)):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself the first node of the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
