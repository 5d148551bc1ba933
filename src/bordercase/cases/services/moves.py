"""Moving a request one step through its lifecycle and recording it: the primitive under every transition.

Private to the services: ``transitions.request_transition`` adds what giving up a place sets off, and reallocation
promotes with this directly (a promotion gives up nothing), so neither module needs the other.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from bordercase.cases import access, lifecycle, notifications
from bordercase.cases.lifecycle import Party, Step
from bordercase.cases.models import Event, Request
from bordercase.cases.services.evaluations import evaluation_record
from bordercase.cases.services.events import Actor, System, event_append
from bordercase.cases.services.windows import intake_require_open
from bordercase.cases.services.workers import identity_of, same_worker_requests
from bordercase.lib.errors import ConcurrentChange, InvalidInput
from bordercase.lib.identifiers import entry_id_new


def _parties(by: Actor, request: Request) -> frozenset[Party]:
    if isinstance(by, System):
        return frozenset({Party.SYSTEM})
    return access.parties(by, request)


def _check_ready(request: Request, transition: str) -> None:
    if transition != "lodge":
        return
    missing = {}
    if request.nominee_id is None:
        missing["nominee"] = "Add the person the request is for before lodging it."
    if request.assessing_body_id is None:
        missing["assessing_body"] = "Choose who will assess the request before lodging it."
    if missing:
        raise InvalidInput(missing)
    intake_require_open(request.scheme)


def request_move(
    *, request: Request, name: str, by: Actor, reason: str = "", data: dict[str, Any] | None = None,
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
        _check_ready(current, name)
        now = timezone.now()
        changes: dict[str, Any] = {"status": transition.target.value, "status_changed_at": now, "updated_at": now}
        same_worker: list[int] = []
        if name == "lodge":
            evaluation_record(current)
            changes["lodged_at"] = now
            changes["worker_identity"] = current.worker_identity = identity_of(current.nominee)
            same_worker = list(same_worker_requests(current).values_list("pk", flat=True))
            if Step.ALLOCATION in current.scheme.steps:
                # Random, so nobody can pick an id to suit a ballot's seed, and unrelated to who the worker is.
                changes["entry_id"] = current.entry_id = entry_id_new()
            if same_worker:
                data = {**(data or {}), "same_worker_requests": len(same_worker)}
        if Request.objects.filter(pk=current.pk, status=current.status).update(**changes) != 1:
            raise ConcurrentChange(f"Request {current.reference} was changed by someone else: reload it and try again.")
        event = event_append(
            request=current, by=by, transition=name, from_state=current.status, to_state=transition.target,
            reason=reason.strip(), data=data, at=now,
        )
        notifications.notice_after_commit(event.pk)
        if same_worker:
            transaction.on_commit(partial(notifications.same_worker_nominated, current.pk, same_worker))
    for name, value in {**changes, "events_count": event.position, "events_head_hash": event.hash}.items():
        setattr(current, name, value)
    _take(request, current)
    return request, event


def _take(request: Request, current: Request) -> None:
    """Make ``request`` what ``current`` now is, as refresh_from_db would, without reading the row again."""
    for field in Request._meta.concrete_fields:
        setattr(request, field.attname, getattr(current, field.attname))
        if field.is_relation and field.is_cached(current):
            field.set_cached_value(request, field.get_cached_value(current))
    request.__dict__.pop("_prefetched_objects_cache", None)
