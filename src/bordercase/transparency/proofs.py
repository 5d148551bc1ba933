"""Proofs from the transparency log: that an entry is in a checkpoint's tree, and that a later tree extends an
earlier one (RFC 9162, sections 2.1.3 and 2.1.4), for anyone holding a signed checkpoint to check.

Each proof is computed from the leaf hashes of the tree it is for, read in full: enough for the log's size today.
A log of many millions of entries would keep its inner nodes (as Certificate Transparency's tiles do) instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from bordercase.lib.merkle import consistency_proof, inclusion_proof
from bordercase.transparency.log import tree_leaves, tree_size
from bordercase.transparency.models import Checkpoint, LogEntry


@dataclass(frozen=True)
class Inclusion:
    """An entry's place in the tree of a signed checkpoint, and the hashes that lead from its leaf to the root."""

    index: int
    size: int
    leaf_hash: bytes
    path: list[bytes]
    checkpoint: Checkpoint


def entry_inclusion(entry: LogEntry) -> Inclusion | None:
    """The entry's inclusion in the latest checkpoint, or None while no checkpoint yet covers it (a checkpoint is
    made every few minutes)."""
    if entry.index is None:
        return None
    checkpoint = Checkpoint.objects.filter(size__gt=entry.index).order_by("-size").first()
    if checkpoint is None:
        return None
    return Inclusion(entry.index, checkpoint.size, bytes(entry.leaf_hash),
                     inclusion_proof(tree_leaves(checkpoint.size), entry.index), checkpoint)


def consistency_between(old_size: int, new_size: int) -> list[bytes]:
    """The consistency proof from the tree of ``old_size`` entries to the tree of ``new_size``; ValueError unless
    0 < old_size <= new_size <= the entries placed."""
    placed = tree_size()
    if not 0 < old_size <= new_size <= placed:
        raise ValueError(f"A consistency proof is between two sizes from 1 to the log's {placed} entries, the first "
                         f"no larger than the second; not {old_size} and {new_size}.")
    return consistency_proof(tree_leaves(new_size), old_size)
