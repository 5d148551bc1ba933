"""API routes for requests: each one parses, finds the request through access, calls one service."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder

from bordercase.accounts.models import Organisation, User
from bordercase.accounts.roles import Roles, roles_of
from bordercase.api.auth import caller
from bordercase.api.schemas import (
    MAX_OFFSET,
    ErrorOut,
    EvaluationOut,
    EventOut,
    NomineeIn,
    RequestCreateIn,
    RequestOut,
    RequestUpdateIn,
    TransitionIn,
)
from bordercase.cases import access, lifecycle
from bordercase.cases.access import request_get
from bordercase.cases.models import Request, Scheme
from bordercase.cases.services import idempotency
from bordercase.cases.services.actions import BY_NAME, action_by_name
from bordercase.cases.services.assessment import history_for
from bordercase.cases.services.lodging import request_create_lodged
from bordercase.cases.services.people import person_create
from bordercase.cases.services.requests import request_create, request_update_draft
from bordercase.cases.services.scheme_cache import scheme_for_intake
from bordercase.lib.errors import InvalidInput
from bordercase.lib.identifiers import InvalidIdentifier, reference_normalise
from bordercase.privacy import reads

router = Router(tags=["requests"])
# The header is read as optional so that leaving it out gets the service's own message (what to send and why);
# the OpenAPI still says it is required (api.errors.document reads this).
REQUIRES_IDEMPOTENCY_KEY = {"x-required-headers": ["Idempotency-Key"]}
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
IDEMPOTENCY_KEY = Header(
    None, alias="Idempotency-Key",
    description="Required on create and lodge: a value of your own, such as a UUID, unique to this request. "
    "Send it again to retry safely; the first answer is replayed and nothing is done twice.",
)




def request_out(req: Request, user: User, roles: Roles | None = None) -> RequestOut:
    parties = access.parties(user, req, roles)
    available = lifecycle.available(state=req.state, parties=parties, steps=req.scheme.steps)
    nominee = req.nominee
    return RequestOut(
        reference=req.reference,
        scheme=req.scheme.code,
        status=req.status,
        status_label=req.state.label,
        organisation=req.organisation.name if req.organisation else None,
        assessing_body=req.assessing_body.code if req.assessing_body else None,
        nominee=None if nominee is None else {
            "given_names": nominee.given_names, "family_name": nominee.family_name,
            "date_of_birth": nominee.date_of_birth, "nationality": nominee.nationality,
        },
        answers=req.answers,
        created_at=req.created_at,
        lodged_at=req.lodged_at,
        status_changed_at=req.status_changed_at,
        transitions_available=[t.name for t in available],
        evaluation=_evaluation_out(req),
    )


def _evaluation_out(req: Request) -> EvaluationOut | None:
    # Read through the prefetch cache when there is one, so a page of requests costs one query.
    latest = max(req.evaluations.all(), key=lambda e: (e.created_at, e.pk), default=None)
    if latest is None:
        return None
    return EvaluationOut(outcome=latest.outcome, policy_version=latest.policy_version, as_at=latest.as_at,
                         criteria=latest.criteria, created_at=latest.created_at)


class RequestFilter(Schema):
    status: lifecycle.State | None = None
    scheme: str | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class RequestPage(Schema):
    count: int
    items: list[RequestOut]


@router.get("/requests", response=RequestPage, summary="List the requests you can see, newest first")
def list_requests(request: HttpRequest, filters: Query[RequestFilter]) -> RequestPage:
    user = caller(request)
    found = access.visible_requests(user).prefetch_related("evaluations").order_by("-created_at", "-pk")
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.scheme:
        found = found.filter(scheme__code=filters.scheme)
    roles = roles_of(user)
    page = found[filters.offset : filters.offset + filters.limit]
    items = [request_out(r, user, roles) for r in page]
    reads.record_reads(user, page, reads.api_what(reads.REQUEST_DETAILS, request), channel=reads.Channel.API,
                       roles=roles)  # the page read above, once more from its cache: one INSERT for it all
    return RequestPage(count=found.count(), items=items)


def _once(user: User, key: str | None, operation: str, payload: Any,
          action: Callable[[], tuple[int, RequestOut]]) -> HttpResponse:
    checked = idempotency.idempotency_key_check(key)

    def run() -> tuple[int, dict[str, Any]]:
        status, out = action()
        # Encoded as ninja encodes every other answer, so a replay is byte-for-byte what a first answer is.
        return status, json.loads(json.dumps(out.model_dump(), cls=NinjaJSONEncoder))

    status, response, replayed = idempotency.once(user=user, key=checked, operation=operation, payload=payload,
                                                  action=run)
    answer = JsonResponse(response, status=status)
    answer["Idempotent-Replayed"] = "true" if replayed else "false"
    return answer


@router.post("/requests", response={201: RequestOut, **ERRORS}, summary="Start a draft request, or lodge one at once",
             description="Needs an Idempotency-Key header: a retry with the same key and body replays the first "
             "answer; the same key with a different body answers 422. With \"lodge\": true the request is lodged "
             "in the same call: it answers 409 when the scheme's intake is closed and 422 with every answer still "
             "missing, and nothing is kept.", openapi_extra=REQUIRES_IDEMPOTENCY_KEY)
def create_request(request: HttpRequest, body: RequestCreateIn,
                   idempotency_key: str | None = IDEMPOTENCY_KEY) -> HttpResponse:
    user = caller(request)
    payload = body.model_dump(mode="json")
    if not payload["lodge"]:
        del payload["lodge"]  # so a create's key sent before "lodge" existed still replays
    return _once(user, idempotency_key, "create", payload, lambda: (201, _create(user, body)))


def _create(user: User, body: RequestCreateIn) -> RequestOut:
    scheme = scheme_for_intake(body.scheme)
    if scheme is None:
        raise InvalidInput({"scheme": f"There is no scheme {body.scheme!r}. GET /api/v1/schemes lists them."})
    roles = roles_of(user)
    organisation = None
    if body.organisation_nzbn:
        # Only organisations the caller acts for are found, so a foreign NZBN reveals nothing.
        organisation = roles.employer(body.organisation_nzbn)
        if organisation is None:
            raise InvalidInput({"organisation_nzbn": "You do not act for an employer with that NZBN. "
                                                     "Check the number, or ask its administrator to invite you."})
    body_org = _assessing_body(scheme, body.assessing_body or None)
    if body.lodge:
        return _create_lodged(user, roles, body, scheme, organisation, body_org)
    # One transaction, so a create the scheme's rules refuse does not leave its nominee behind.
    with transaction.atomic():
        nominee = None
        if body.nominee is not None:
            try:
                nominee = person_create(**body.nominee.dict())
            except InvalidInput as exc:
                raise InvalidInput({f"nominee.{k}": v for k, v in exc.errors.items()}) from exc
        created = request_create(
            by=user, scheme=scheme, organisation=organisation, nominee=nominee, assessing_body=body_org,
            answers=body.answers, roles=roles,
        )
    return request_out(access.request_for_user(user, created.reference), user, roles)


def _create_lodged(user: User, roles: Roles, body: RequestCreateIn, scheme: Scheme,
                   organisation: Organisation | None, assessing_body: Organisation | None) -> RequestOut:
    if body.nominee is None:
        raise InvalidInput({"nominee": "Add the person the request is for: a request is lodged with its nominee."})
    try:
        lodged, _ = request_create_lodged(by=user, scheme=scheme, organisation=organisation,
                                          nominee=body.nominee.dict(), assessing_body=assessing_body,
                                          answers=body.answers, roles=roles)
    except InvalidInput as exc:
        person_fields = set(NomineeIn.model_fields)
        raise InvalidInput({f"nominee.{k}" if k in person_fields else k: v for k, v in exc.errors.items()}) from exc
    return request_out(lodged, user, roles)


@router.get("/requests/{reference}", response={200: RequestOut, **ERRORS}, summary="Read one request")
def read_request(request: HttpRequest, reference: str) -> RequestOut:
    user = caller(request)
    found = request_get(user, reference)
    reads.record_read(user, found, reads.api_what(reads.REQUEST_DETAILS, request), channel=reads.Channel.API)
    return request_out(found, user)


@router.post(
    "/requests/{reference}/transitions/lodge", response={200: RequestOut, **ERRORS}, summary="Lodge a draft request",
    description="Needs an Idempotency-Key header: a retry with the same key replays the first answer. Answers 409 "
    "when the request is not a draft or its scheme's intake is closed, 422 with every answer still missing.",
    openapi_extra=REQUIRES_IDEMPOTENCY_KEY,
)
def lodge_request(request: HttpRequest, reference: str, body: TransitionIn,
                  idempotency_key: str | None = IDEMPOTENCY_KEY) -> RequestOut | HttpResponse:
    return transition_request(request, reference, "lodge", body, idempotency_key)


@router.post(
    "/requests/{reference}/transitions/{name}", response={200: RequestOut, **ERRORS},
    summary="Move a request on: withdraw, lapse, …",
    description="Answers 409 when the request is not in a state the transition starts from, 403 when you "
    "may see the request but not make this transition, 422 when a required reason is missing. An Idempotency-Key "
    "is optional here (lodge has a route of its own, which needs one).",
)
def transition_request(request: HttpRequest, reference: str, name: str, body: TransitionIn,
                       idempotency_key: str | None = IDEMPOTENCY_KEY) -> RequestOut | HttpResponse:
    user = caller(request)
    roles = roles_of(user)
    found = request_get(user, reference, roles=roles)  # a request the caller may not see is a 404, whatever is asked
    action = action_by_name(name)
    if action is None:
        known = ", ".join(sorted(BY_NAME))
        raise Http404(f"There is no transition called {name!r} here. Use one of: {known}.")

    def move() -> RequestOut:
        moved = action(found, user, body.reason)
        reads.record_read(user, moved, reads.api_what(reads.REQUEST_DETAILS, request), channel=reads.Channel.API,
                          roles=roles)
        return request_out(moved, user, roles)

    if name == "lodge" or idempotency_key is not None:
        payload = {"reference": reference_normalise_or_raw(reference), "transition": name, **body.model_dump()}
        return _once(user, idempotency_key, "transition", payload, lambda: (200, move()))
    return move()


def reference_normalise_or_raw(reference: str) -> str:
    try:
        return reference_normalise(reference)
    except InvalidIdentifier:
        return reference


@router.patch("/requests/{reference}", response={200: RequestOut, **ERRORS}, summary="Change a draft request",
              description="Only the applicant, and only while it is a draft. answers are merged into those saved "
              "(an answer of null removes it); nominee replaces the person's details.")
def update_request(request: HttpRequest, reference: str, body: RequestUpdateIn) -> RequestOut:
    user = caller(request)
    found = request_get(user, reference)
    changes: dict[str, Any] = {}
    if body.answers is not None:
        changes["answers"] = body.answers
    if body.nominee is not None:
        changes["nominee"] = body.nominee.dict()
    if "assessing_body" in body.model_fields_set:
        changes["assessing_body"] = _assessing_body(found.scheme, body.assessing_body)
    updated = request_update_draft(request=found, by=user, **changes)
    return request_out(access.request_for_user(user, updated.reference), user)


def _assessing_body(scheme: Scheme, code: str | None) -> Organisation | None:
    if code is None:
        return None
    bodies = list(scheme.assessing_bodies.all())
    found = next((b for b in bodies if b.code == code), None)
    if found is None:
        codes = ", ".join(b.code for b in bodies)
        raise InvalidInput({"assessing_body": f"{code!r} does not assess {scheme.title}: use one of {codes}."})
    return found


@router.get("/requests/{reference}/events", response={200: list[EventOut], **ERRORS},
            summary="A request's history, oldest first, with its hash chain")
def list_events(request: HttpRequest, reference: str) -> list[EventOut]:
    user = caller(request)
    found = request_get(user, reference)
    return [
        EventOut(
            position=e.position, at=e.at, actor=e.actor_shown, transition=e.transition, from_state=e.from_state,
            to_state=e.to_state, reason=e.reason_shown, prev_hash=e.prev_hash, hash=e.hash,
            redacted=e.redacted_at is not None, version=2 if e.actor_digest else 1, actor_id=e.actor_id,
            salt=e.salt, actor_digest=e.actor_digest, reason_digest=e.reason_digest,
        )
        for e in history_for(user, found)
    ]
