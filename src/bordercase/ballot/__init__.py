"""Allocating capped places: the bordercase-ballot-v1 draw, order of receipt, and checking a published round.

Pure: no Django. Anyone can re-run a round with the published files and ``bordercase ballot verify``.
"""

from bordercase.ballot.draw import ALGORITHM, Caps, draw, promote_next, rank_by_receipt
from bordercase.ballot.files import (
    BallotFileError,
    Entry,
    Result,
    Status,
    entries_csv,
    read_entries,
    read_results,
    results_csv,
)
from bordercase.ballot.keys import entry_key
from bordercase.ballot.manifest import METHODS, Manifest, commitment, seed_from, sha256_hex, verify

__all__ = [
    "ALGORITHM", "METHODS", "BallotFileError", "Caps", "Entry", "Manifest", "Result", "Status", "commitment", "draw",
    "entries_csv", "entry_key", "promote_next", "rank_by_receipt", "read_entries", "read_results", "results_csv",
    "seed_from", "sha256_hex", "verify",
]
