"""Appending to a request's hash-chained event log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.cases import lifecycle
from bordercase.cases.chain import GENESIS, event_hash
from bordercase.cases.models import Event, Request


@dataclass(frozen=True)
class System:
    """bordercase acting on its own: timers, the ballot, imports."""

    label: str = "bordercase"


SYSTEM = System()
Actor = User | System


def actor_label(actor: Actor) -> str:
    if isinstance(actor, System):
        return f"system:{actor.label}"
    return f"user:{actor.pk}:{actor.email}"


def event_new(
    *, request: Request, by: Actor, transition: str, from_state: str, to_state: str, reason: str = "",
    data: dict[str, Any] | None = None, at: dt.datetime | None = None, position: int, prev_hash: str,
) -> Event:
    """The event at ``position`` of the request's chain, after ``prev_hash``, hashed and not yet saved.

    Only a transition or a declared kind of event (lifecycle.EventKind) may be recorded, so every history entry
    has a title and a rule of who reads it.
    """
    if not lifecycle.recorded(transition):
        raise ValueError(f"{transition!r} is neither a transition nor a declared kind of event (lifecycle.EventKind)")
    at = at or timezone.now()
    data = data or {}
    label = actor_label(by)
    return Event(
        request=request, position=position, actor=by if isinstance(by, User) else None, actor_label=label, at=at,
        transition=transition, from_state=from_state, to_state=to_state, reason=reason, data=data,
        prev_hash=prev_hash,
        hash=event_hash(reference=request.reference, actor_label=label, at=at, transition=transition,
                        from_state=from_state, to_state=to_state, reason=reason, data=data, prev_hash=prev_hash),
    )


def event_append(
    *, request: Request, by: Actor, transition: str, from_state: str, to_state: str, reason: str = "",
    data: dict[str, Any] | None = None, at: dt.datetime | None = None,
) -> Event:
    """Record one event (at ``at``, or now) and move the request's chain head to it.

    Call inside the transaction that makes the change, holding the request row, so that two
    changes to one request can never both take the same position.
    """
    event = event_new(request=request, by=by, transition=transition, from_state=from_state, to_state=to_state,
                      reason=reason, data=data, at=at, position=request.events_count + 1,
                      prev_hash=request.events_head_hash or GENESIS)
    event.save(force_insert=True)
    Request.objects.filter(pk=request.pk).update(events_count=F("events_count") + 1, events_head_hash=event.hash)
    request.events_count += 1
    request.events_head_hash = event.hash
    return event
