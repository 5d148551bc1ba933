"""Lodging a request: the one action that makes the ``lodge`` transition, with everything lodging means.

A lodged request is complete (a nominee, an assessing body), lodged while its scheme's intake is open, evaluated by
the scheme's rules as at that day, known by its worker's identity (so the same worker nominated twice is seen), and,
under a capped scheme, given the random entry id a ballot will use; its employers are told of a worker nominated
by another.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from bordercase.cases import notifications
from bordercase.cases.lifecycle import Step
from bordercase.cases.models import Request
from bordercase.cases.services.evaluations import evaluation_record
from bordercase.cases.services.events import Actor
from bordercase.cases.services.moves import Extra
from bordercase.cases.services.transitions import request_transition
from bordercase.cases.services.windows import intake_require_open
from bordercase.cases.services.workers import identity_of, same_worker_requests
from bordercase.lib.errors import InvalidInput
from bordercase.lib.identifiers import entry_id_new


def request_lodge(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="lodge", by=by, reason=reason, work=_lodging)


def _lodging(current: Request, now: dt.datetime) -> Extra:
    missing = {}
    if current.nominee_id is None:
        missing["nominee"] = "Add the person the request is for before lodging it."
    if current.assessing_body_id is None:
        missing["assessing_body"] = "Choose who will assess the request before lodging it."
    if missing:
        raise InvalidInput(missing)
    intake_require_open(current.scheme)
    evaluation_record(current)
    extra = Extra(changes={"lodged_at": now})
    extra.changes["worker_identity"] = current.worker_identity = identity_of(current.nominee)
    if Step.ALLOCATION in current.scheme.steps:
        # Random, so nobody can pick an id to suit a ballot's seed, and unrelated to who the worker is.
        extra.changes["entry_id"] = current.entry_id = entry_id_new()
    same_worker = list(same_worker_requests(current).values_list("pk", flat=True))
    if same_worker:
        extra.data["same_worker_requests"] = len(same_worker)
        extra.after_commit.append(partial(notifications.same_worker_nominated, current.pk, same_worker))
    return extra
