"""Letters in the transparency log: every letter bordercase issues is a leaf, written in the transaction that
issues it, so that a letter's page can show it was recorded, and prove it is in a signed checkpoint's tree.

The leaf names the letter's SHA-256 with what the letter decided; the letter's record (``immigration.IssuedLetter``)
keeps the same facts. The leaf is found again from the record itself: its bytes are a function of the record, so a
record changed after the letter was issued no longer finds its leaf, and its page says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bordercase.immigration.models import IssuedLetter
from bordercase.transparency.log import entry_append, entry_data
from bordercase.transparency.models import LogEntry

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
    # Found by its exact bytes: the log keeps no index of letters, and reads every leaf for a proof anyway
    # (transparency.proofs), so this is no dearer than what the page does next.
    return LogEntry.objects.filter(kind=KIND, data=entry_data(KIND, letter_fields(letter))).first()
