"""The hash chain of a request's events, as pure functions over plain values.

Kept free of Django so that anyone holding an export of events can re-compute it.

Two versions of an event's hash live in one chain:

- version 1 (events recorded before redaction existed) hashes who acted (``actor_label``) and the reason as text;
- version 2 hashes a salted SHA-256 digest of each of them instead (``text_digest``), and the acting account's id in
  clear. The text can then be removed under the retention schedule (the salt with it, so the digest can no longer
  confirm a guess) and the event still verifies from its stored digests; while the text is kept it must match them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
DIGESTED = 2  # the version of an event whose hash covers digests of its personal text, not the text
_DIGEST_TAG = "bordercase.event"  # the domain of a text digest: no other SHA-256 in bordercase starts this way


def text_digest(*, salt: str, field: str, text: str) -> str:
    """SHA-256 of an event's ``field`` ("actor" or "reason") with its salt, domain-separated.

    The parts are a JSON array, so no choice of text can make one field's digest equal another's.
    """
    canonical = json.dumps([_DIGEST_TAG, DIGESTED, field, salt, text], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _moment(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sha256(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def event_hash(
    *, reference: str, actor_label: str, at: datetime, transition: str, from_state: str, to_state: str,
    reason: str, data: Mapping[str, Any], prev_hash: str,
) -> str:
    """Version 1: SHA-256 of a canonical JSON form of the event, its actor label and reason as text.

    The position is left out on purpose: order is what the chain itself says, so a
    re-ordered event shows up as a broken link rather than as an edit.
    """
    return _sha256({
        "reference": reference, "actor": actor_label, "at": _moment(at), "transition": transition,
        "from": from_state, "to": to_state, "reason": reason, "data": data, "prev": prev_hash,
    })


def event_hash_v2(
    *, reference: str, actor_id: int | None, actor_digest: str, at: datetime, transition: str, from_state: str,
    to_state: str, reason_digest: str, data: Mapping[str, Any], prev_hash: str,
) -> str:
    """Version 2: as version 1, but over the digests of the actor label and the reason (``text_digest``), the
    acting account's id (None for bordercase itself) and the version, so the text can go and the hash stay."""
    return _sha256({
        "v": DIGESTED, "reference": reference, "actor_id": actor_id, "actor": actor_digest, "at": _moment(at),
        "transition": transition, "from": from_state, "to": to_state, "reason": reason_digest, "data": data,
        "prev": prev_hash,
    })


def labelled_account(actor_label: str) -> int | None:
    """The account an actor label (``user:<id>:<email>``, hashed with the event) names; None for bordercase itself."""
    kind, _, rest = actor_label.partition(":")
    number = rest.partition(":")[0]
    return int(number) if kind == "user" and number.isdigit() else None


@dataclass(frozen=True)
class ChainedEvent:
    position: int
    actor_label: str
    at: datetime
    transition: str
    from_state: str
    to_state: str
    reason: str
    data: Mapping[str, Any]
    prev_hash: str
    hash: str
    actor_id: int | None = None  # the account the event row links to, which must be the one its hashed label names
    # Version 2 only (empty on version 1): the salt (empty once redacted) and the digests the hash covers.
    salt: str = ""
    actor_digest: str = ""
    reason_digest: str = ""
    redacted: bool = False  # its actor label and reason were removed under the retention schedule

    @property
    def version(self) -> int:
        return DIGESTED if self.actor_digest else 1

    def recomputed_hash(self, reference: str) -> str:
        """The hash the event's stored content gives: from its digests (version 2) or its text (version 1)."""
        if self.version == DIGESTED:
            return event_hash_v2(
                reference=reference, actor_id=self.actor_id, actor_digest=self.actor_digest, at=self.at,
                transition=self.transition, from_state=self.from_state, to_state=self.to_state,
                reason_digest=self.reason_digest, data=self.data, prev_hash=self.prev_hash)
        return event_hash(reference=reference, actor_label=self.actor_label, at=self.at, transition=self.transition,
                          from_state=self.from_state, to_state=self.to_state, reason=self.reason, data=self.data,
                          prev_hash=self.prev_hash)

    def text_matches(self) -> bool:
        """Whether the text it still holds is the text it was recorded with.

        While it has its salt, the actor label and reason must give its digests. Redacted, the salt is gone, so a
        label kept (a body's staff) cannot be re-digested: it is checked against the account instead, and the
        reason must be empty.
        """
        if self.version != DIGESTED:
            return True
        if self.salt:
            return (text_digest(salt=self.salt, field="actor", text=self.actor_label) == self.actor_digest
                    and text_digest(salt=self.salt, field="reason", text=self.reason) == self.reason_digest)
        return self.redacted and not self.reason


@dataclass(frozen=True)
class Anchor:
    """What the request row says about its own chain."""

    events_count: int
    head_hash: str
    status: str


def chain_problems(reference: str, events: Sequence[ChainedEvent], anchor: Anchor) -> list[str]:
    """Every way the stored chain differs from an untouched one, as sentences naming the position."""
    problems: list[str] = []
    by_hash = {e.hash: e for e in events}
    expected_prev = GENESIS
    for index, event in enumerate(events, start=1):
        where = f"{reference} event {event.position}"
        if event.position != index:
            problems.append(
                f"{reference}: no event at position {index} (the next is {event.position}): an event was deleted."
            )
        if event.recomputed_hash(reference) != event.hash or not event.text_matches():
            problems.append(f"{where} ({event.transition}): its contents were edited after it was recorded.")
        named = labelled_account(event.actor_label)
        # A version 2 event hashes its account in clear; its label, once removed, names no one to compare.
        label_removed = event.version == DIGESTED and event.redacted and not event.actor_label
        if not label_removed and event.actor_id != named:
            problems.append(f"{where} ({event.transition}): it links to account {event.actor_id or 'none'} as who "
                            f"made it, but its recorded actor is {event.actor_label!r}: who made it was changed "
                            "after it was recorded.")
        if event.prev_hash != expected_prev:
            earlier = by_hash.get(event.prev_hash)
            if earlier is not None:
                problems.append(
                    f"{where} ({event.transition}): out of order: it was recorded after the event now at "
                    f"position {earlier.position}."
                )
            else:
                problems.append(
                    f"{where} ({event.transition}): the event recorded before it is missing: "
                    "an event was deleted or inserted."
                )
        expected_prev = event.hash
    if len(events) != anchor.events_count:
        problems.append(
            f"{reference}: the request records {anchor.events_count} events but {len(events)} are stored: "
            + ("events were deleted." if len(events) < anchor.events_count else "events were inserted.")
        )
    elif events and events[-1].hash != anchor.head_hash:
        problems.append(f"{reference}: the last stored event is not the one the request recorded as its latest.")
    if events and events[-1].to_state != anchor.status:
        problems.append(
            f"{reference}: the request is {anchor.status!r} but its history ends in {events[-1].to_state!r}: "
            "its status was changed without an event."
        )
    return problems
