"""Moving a request one step through its lifecycle and recording it: the primitive under every transition.

Private to the services: ``transitions.request_transition`` adds what giving up a place sets off, and reallocation
promotes with this directly (a promotion gives up nothing), so neither module needs the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from bordercase.cases import access, lifecycle, notifications
from bordercase.cases.assessment import clock_after
from bordercase.cases.chain import GENESIS
from bordercase.cases.lifecycle import Party
from bordercase.cases.models import Event, Request
from bordercase.cases.services.events import Actor, System, event_new
from bordercase.lib.errors import ConcurrentChange


def _parties(by: Actor, request: Request) -> frozenset[Party]:
    if isinstance(by, System):
        return frozenset({Party.SYSTEM})
    return access.parties(by, request)



@dataclass
class Extra:
    """What a transition's owning action adds to the move, worked out holding the locked row: more of the row to
    change, more to record in the event, and what to do once the change is committed."""

    changes: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    after_commit: list[Callable[[], None]] = field(default_factory=list)


# Given the locked row and the moment of the change; raises (InvalidInput, OutsideWindow…) to refuse it.
Work = Callable[[Request, dt.datetime], Extra]


def request_move(
    *, request: Request, name: str, by: Actor, reason: str = "", data: dict[str, Any] | None = None,
    work: Work | None = None,
) -> tuple[Request, Event]:
    """Make one transition, or raise a lifecycle error and change nothing; the request as it now is, and its event.

    The request row is locked, re-read and updated only if still in the state that was
    checked, so two people acting at once cannot both move it. ``request`` is brought up to date in place, from
    the row as locked and changed here rather than read again.
    """
    # No savepoint of its own: every caller holds a transaction that a failure here rolls back whole.
    with transaction.atomic(savepoint=False):
        current = (Request.objects.select_for_update(of=("self",))
                   .select_related("scheme", "nominee", "organisation", "assessing_body").get(pk=request.pk))
        transition = lifecycle.check(
            reference=current.reference, state=current.state, transition_name=name,
            parties=_parties(by, current), steps=current.scheme.steps, reason=reason,
        )
        now = timezone.now()
        extra = work(current, now) if work is not None else Extra()
        if extra.data:
            data = {**(data or {}), **extra.data}
        event = event_new(request=current, by=by, transition=name, from_state=current.status,
                          to_state=transition.target, reason=reason.strip(), data=data, at=now,
                          position=current.events_count + 1, prev_hash=current.events_head_hash or GENESIS)
        # The move and the chain's new head in one write, made only if nobody moved the request first.
        changes: dict[str, Any] = {"status": transition.target.value, "status_changed_at": now, "updated_at": now,
                                   "events_count": event.position, "events_head_hash": event.hash,
                                   **_clock_changes(current, name, now), **extra.changes}
        if Request.objects.filter(pk=current.pk, status=current.status).update(**changes) != 1:
            raise ConcurrentChange(f"Request {current.reference} was changed by someone else: reload it and try again.")
        event.save(force_insert=True)
        notifications.notice_after_commit(event.pk)
        for then in extra.after_commit:
            transaction.on_commit(then)
    for column, value in changes.items():
        setattr(current, column, value)
    _take(request, current)
    return request, event


def _clock_changes(current: Request, name: str, now: dt.datetime) -> dict[str, Any]:
    clock = clock_after(name, now, current.stored_clock)
    if clock is None or clock == current.stored_clock:
        return {}
    return {"clock_start": clock.start, "clock_stop": clock.stop}


def _take(request: Request, current: Request) -> None:
    """Make ``request`` what ``current`` now is, as refresh_from_db would, without reading the row again."""
    for column in Request._meta.concrete_fields:
        setattr(request, column.attname, getattr(current, column.attname))
        if column.is_relation and column.is_cached(current):
            column.set_cached_value(request, column.get_cached_value(current))
    request.__dict__.pop("_prefetched_objects_cache", None)
