"""Moving a request through its lifecycle: one function per transition, all through ``request_transition``."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from bordercase.cases import access, lifecycle, notifications
from bordercase.cases.errors import ConcurrentChange, InvalidInput
from bordercase.cases.identifiers import entry_id_new
from bordercase.cases.lifecycle import Party, Step
from bordercase.cases.models import Request
from bordercase.cases.services.evaluations import evaluation_record
from bordercase.cases.services.events import Actor, System, event_append
from bordercase.cases.services.reallocation import place_given_up
from bordercase.cases.services.windows import intake_require_open
from bordercase.cases.services.workers import identity_of, same_worker_requests
from bordercase.reporting.milestones import milestone_record


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


def request_transition(
    *, request: Request, name: str, by: Actor, reason: str = "", data: dict[str, Any] | None = None,
) -> Request:
    """Make one transition, or raise a lifecycle error and change nothing.

    The request row is locked, re-read and updated only if still in the state that was
    checked, so two people acting at once cannot both move it.
    """
    with transaction.atomic():
        current = Request.objects.select_for_update(of=("self",)).select_related("scheme", "nominee").get(pk=request.pk)
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
            reason=reason.strip(), data=data,
        )
        notifications.notice_after_commit(event.pk)
        milestone_record(current, name, current.status, transition.target.value, now)
        place_given_up(request=current, from_state=current.state, to_state=transition.target)
        if same_worker:
            transaction.on_commit(partial(notifications.same_worker_nominated, current.pk, same_worker))
    request.refresh_from_db()
    return request


def request_lodge(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="lodge", by=by, reason=reason)


def request_start_assessment(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="start_assessment", by=by, reason=reason)


def request_request_information(*, request: Request, by: Actor, reason: str) -> Request:
    return request_transition(request=request, name="request_information", by=by, reason=reason)


def request_provide_information(*, request: Request, by: Actor, reason: str) -> Request:
    return request_transition(request=request, name="provide_information", by=by, reason=reason)


def request_decline(*, request: Request, by: Actor, reason: str) -> Request:
    return request_transition(request=request, name="decline", by=by, reason=reason)


def request_find_eligible(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="find_eligible", by=by, reason=reason)


def request_allocate(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="allocate", by=by, reason=reason)


def request_waitlist(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="waitlist", by=by, reason=reason)


def request_promote(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="promote", by=by, reason=reason)


def request_recommend(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="recommend", by=by, reason=reason)


def request_invite(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="invite", by=by, reason=reason)


def request_request_travel(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="request_travel", by=by, reason=reason)


def request_grant_visa(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="grant_visa", by=by, reason=reason)


def request_decline_visa(*, request: Request, by: Actor, reason: str) -> Request:
    return request_transition(request=request, name="decline_visa", by=by, reason=reason)


def request_withdraw(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="withdraw", by=by, reason=reason)


def request_lapse(*, request: Request, by: Actor, reason: str) -> Request:
    return request_transition(request=request, name="lapse", by=by, reason=reason)
