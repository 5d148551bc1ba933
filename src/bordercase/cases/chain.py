"""The hash chain of a request's events, as pure functions over plain values.

Kept free of Django so that anyone holding an export of events can re-compute it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def event_hash(
    *, reference: str, actor_label: str, at: datetime, transition: str, from_state: str, to_state: str,
    reason: str, data: Mapping[str, Any], prev_hash: str,
) -> str:
    """SHA-256 of a canonical JSON form of the event.

    The position is left out on purpose: order is what the chain itself says, so a
    re-ordered event shows up as a broken link rather than as an edit.
    """
    body = {
        "reference": reference,
        "actor": actor_label,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "transition": transition,
        "from": from_state,
        "to": to_state,
        "reason": reason,
        "data": data,
        "prev": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
        recomputed = event_hash(
            reference=reference, actor_label=event.actor_label, at=event.at, transition=event.transition,
            from_state=event.from_state, to_state=event.to_state, reason=event.reason, data=event.data,
            prev_hash=event.prev_hash,
        )
        if recomputed != event.hash:
            problems.append(f"{where} ({event.transition}): its contents were edited after it was recorded.")
        named = labelled_account(event.actor_label)
        if event.actor_id != named:
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
