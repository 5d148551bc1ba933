"""Appending to a request's hash-chained event log."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.cases import lifecycle
from bordercase.cases.chain import GENESIS, event_hash_v2, text_digest
from bordercase.cases.models import Event, Request
from bordercase.cases.models.events import AppendOnly


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
    account = by if isinstance(by, User) else None
    # Chain version 2: the hash covers salted digests of who and why, so that text can be redacted later.
    salt = secrets.token_hex(16)
    actor_digest = text_digest(salt=salt, field="actor", text=label)
    reason_digest = text_digest(salt=salt, field="reason", text=reason)
    return Event(
        request=request, position=position, actor=account, actor_label=label, at=at,
        transition=transition, from_state=from_state, to_state=to_state, reason=reason, data=data,
        prev_hash=prev_hash, salt=salt, actor_digest=actor_digest, reason_digest=reason_digest,
        hash=event_hash_v2(reference=request.reference, actor_id=account.pk if account else None,
                           actor_digest=actor_digest, at=at, transition=transition, from_state=from_state,
                           to_state=to_state, reason_digest=reason_digest, data=data, prev_hash=prev_hash),
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


class NotRedactable(AppendOnly):
    """The event hashes its text as it is (chain version 1), or was redacted already."""


def event_redact(event: Event, *, actor: bool = True) -> Event:
    """Remove the event's personal text under the retention schedule, the one change an event may ever have.

    The reason always goes; the actor label too unless ``actor`` is False (a body's staff, whose name is not the
    person's information). The salt goes with them, so the digests the hash covers can no longer confirm a guess
    at the text; the hash, the digests and everything else stay, and the event still verifies. The database
    refuses any other change (cases migration 0016).
    """
    if not event.actor_digest:
        raise NotRedactable(
            f"Event {event.position} of the request was recorded before events could be redacted (chain version 1): "
            "its hash covers its text as it is, so removing the text would break the chain. It is kept.")
    if event.redacted_at is not None:
        raise NotRedactable(f"Event {event.position} of the request was redacted already, at {event.redacted_at}.")
    changes: dict[str, object] = {"reason": "", "salt": "", "redacted_at": timezone.now()}
    if actor:
        changes["actor_label"] = ""
    # The plain QuerySet's update: Event's own refuses every change, and this is the one allowed.
    models.QuerySet.update(Event.objects.filter(pk=event.pk), **changes)
    for name, value in changes.items():
        setattr(event, name, value)
    return event
