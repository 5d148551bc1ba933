"""Letters in the transparency log: every letter bordercase issues is a leaf, written in the transaction that
issues it, so that a letter's page can show it was recorded, and prove it is in a signed checkpoint's tree.

The leaf names the letter's SHA-256 with what the letter decided; the letter's record (``immigration.IssuedLetter``)
keeps the same facts. The leaf is found again from the record itself: its bytes are a function of the record, so a
record changed after the letter was issued no longer finds its leaf, and its page says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bordercase.immigration.models import IssuedLetter
from bordercase.lib.merkle import leaf_hash, verify_inclusion
from bordercase.transparency.log import entry_append, entry_data
from bordercase.transparency.models import LogEntry
from bordercase.transparency.proofs import Inclusion, entry_inclusion

KIND = "letter"


def letter_fields(letter: IssuedLetter) -> dict[str, str]:
    """What a letter's leaf records ("letter" is its kind, as "kind" is the leaf's own)."""
    return {"code": letter.code, "request": letter.request.reference, "letter": letter.kind,
            "for": letter.for_whom, "decided": letter.decided, "sha256": letter.sha256,
            # In UTC whatever zone the moment came in, so the record read back gives the same bytes.
            "issued_at": letter.issued_at.astimezone(dt.UTC).isoformat()}


def letter_logged(sender: type[IssuedLetter], instance: IssuedLetter, created: bool, **_: Any) -> None:
    """Connected to the letter's post_save: the letter as a leaf, in the transaction that issued it."""
    if created:
        entry_append(KIND, letter_fields(instance))


def letter_entry(letter: IssuedLetter) -> LogEntry | None:
    """The letter's leaf, or None if the record no longer says what its leaf recorded."""
    # By its leaf hash, which the log indexes, then its exact bytes: both are made from the record.
    data = entry_data(KIND, letter_fields(letter))
    return LogEntry.objects.filter(leaf_hash=leaf_hash(data), kind=KIND, data=data).first()


@dataclass(frozen=True)
class LetterInLog:
    """Where a letter stands in the log: not found (its record changed), recorded but in no checkpoint yet, or
    included in the latest checkpoint, with whether the inclusion proof checks against that checkpoint's root."""

    entry: LogEntry | None
    inclusion: Inclusion | None
    proved: bool


def letter_in_log(letter: IssuedLetter) -> LetterInLog:
    entry = letter_entry(letter)
    if entry is None:
        return LetterInLog(None, None, proved=False)
    inclusion = entry_inclusion(entry)
    if inclusion is None:
        return LetterInLog(entry, None, proved=False)
    # The leaf hashed from the record's own facts, not the one stored beside them, is what is proved.
    expected = leaf_hash(entry_data(KIND, letter_fields(letter)))
    proved = verify_inclusion(inclusion.index, inclusion.size, expected, inclusion.path,
                              bytes(inclusion.checkpoint.root_hash))
    return LetterInLog(entry, inclusion, proved)
