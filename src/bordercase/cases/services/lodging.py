"""Lodging a request: the one action that makes the ``lodge`` transition, with everything lodging means.

A lodged request is complete (a nominee, an assessing body), lodged while its scheme's intake is open, evaluated by
the scheme's rules as at that day, known by its worker's identity (so the same worker nominated twice is seen), and,
under a capped scheme, given the random entry id a ballot will use; its employers are told of a worker nominated
by another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from bordercase.accounts.models import Organisation, User
from bordercase.accounts.roles import Roles, roles_of
from bordercase.cases import lifecycle, notifications
from bordercase.cases.access import parties
from bordercase.cases.assessment import clock_after
from bordercase.cases.chain import GENESIS
from bordercase.cases.lifecycle import CREATED, State, Step
from bordercase.cases.models import Evaluation, Event, Request, Scheme
from bordercase.cases.services.assessment import target_working_days
from bordercase.cases.services.evaluations import evaluation_new
from bordercase.cases.services.events import Actor, event_new
from bordercase.cases.services.moves import Extra
from bordercase.cases.services.people import person_new
from bordercase.cases.services.requests import request_start_check
from bordercase.cases.services.scheme_cache import scheme_for_intake
from bordercase.cases.services.transitions import request_transition
from bordercase.cases.services.windows import intake_require_open
from bordercase.cases.services.workers import identity_of, same_worker_requests
from bordercase.lib.errors import InvalidInput
from bordercase.lib.identifiers import entry_id_new, reference_new
from bordercase.lib.rows import rows_insert


def request_lodge(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="lodge", by=by, reason=reason, work=_lodging)


def _complete(request: Request) -> None:
    missing = {}
    if request.nominee_id is None and request.nominee is None:
        missing["nominee"] = "Add the person the request is for before lodging it."
    if request.assessing_body_id is None:
        missing["assessing_body"] = "Choose who will assess the request before lodging it."
    if missing:
        raise InvalidInput(missing)


def _lodging(current: Request, now: dt.datetime) -> Extra:
    _complete(current)
    intake_require_open(scheme_for_intake(current.scheme.code) or current.scheme, now)
    evaluation = evaluation_new(current)
    extra = Extra(changes={"lodged_at": now, "answers": current.answers,
                           "clock_target": target_working_days(current)})
    if evaluation is not None:
        evaluation.save(force_insert=True)
    _identify(current, extra)
    return extra


def _identify(request: Request, extra: Extra) -> None:
    """The worker's identity, the ballot's entry id, and the other requests for the same worker."""
    extra.changes["worker_identity"] = request.worker_identity = identity_of(request.nominee)
    if Step.ALLOCATION in request.scheme.steps:
        # Random, so nobody can pick an id to suit a ballot's seed, and unrelated to who the worker is.
        extra.changes["entry_id"] = request.entry_id = entry_id_new()
    same_worker = list(same_worker_requests(request).values_list("pk", flat=True))
    if same_worker:
        extra.data["same_worker_requests"] = len(same_worker)
        # Read at commit, when a request made in the same go has its id too.
        extra.after_commit.append(lambda: notifications.same_worker_nominated(request.pk, same_worker))


def request_create_lodged(
    *, by: User, scheme: Scheme, organisation: Organisation | None, nominee: Mapping[str, Any],
    assessing_body: Organisation | None, answers: dict[str, Any], roles: Roles | None = None, reason: str = "",
) -> tuple[Request, Evaluation | None]:
    """Start a request and lodge it in one go: what ``request_create`` and ``request_lodge`` do one after the other,
    each row written once, in the caller's transaction; the request, lodged, and the rules' evaluation.

    Both events are recorded (created, then lodged), so the history reads as it does for a draft lodged later.
    """
    roles = roles or roles_of(by)
    body = request_start_check(by=by, scheme=scheme, organisation=organisation, assessing_body=assessing_body,
                               roles=roles)
    now = timezone.now()
    intake_require_open(scheme, now)
    person = person_new(**nominee)
    request = Request(reference=reference_new(), scheme=scheme, organisation=organisation, created_by=by,
                      nominee=person, assessing_body=body, answers=answers)
    _complete(request)
    held = parties(by, request, roles)
    transition = lifecycle.check(reference=request.reference, state=State.DRAFT, transition_name="lodge",
                                 parties=held, steps=scheme.steps, reason=reason)
    evaluation = evaluation_new(request)  # checks every answer, as lodging a draft does
    with transaction.atomic(savepoint=False):
        rows_insert(person)  # the request takes its id
        extra = Extra()
        _identify(request, extra)
        created = event_new(request=request, by=by, transition=CREATED, from_state="", to_state=State.DRAFT,
                            at=now, position=1, prev_hash=GENESIS)
        lodged = event_new(request=request, by=by, transition="lodge", from_state=State.DRAFT,
                           to_state=transition.target, reason=reason.strip(), data=extra.data or None, at=now,
                           position=2, prev_hash=created.hash)
        request.status, request.lodged_at, request.status_changed_at = transition.target.value, now, now
        request.events_count, request.events_head_hash = 2, lodged.hash
        request.stored_clock = clock_after("lodge", now, None)
        request.clock_target = target_working_days(request)
        rows_insert(request, created, lodged)
        for event in (created, lodged):
            # Written without the ORM's save, which sends the signal the event log's projections (the statistics'
            # milestones) are made from.
            post_save.send(sender=Event, instance=event, created=True, raw=False, using=request._state.db,
                           update_fields=None)
        if evaluation is not None:
            evaluation.request = request
            rows_insert(evaluation)
            request._prefetched_objects_cache = {"evaluations": [evaluation]}
        notifications.notice_after_commit(lodged.pk)
        for then in extra.after_commit:
            transaction.on_commit(then)
    return request, evaluation
