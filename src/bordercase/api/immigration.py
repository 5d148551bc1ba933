"""API routes for Immigration NZ's side: recommendation batches (sent by assessing bodies, read by officers),
invitations to apply and visa decisions (made by officers). Each finds records through access and calls one
service in ``bordercase.immigration.services``.

Anyone who may not do a route's work gets a 404 from it, as from the pages, and a batch or request they may not
see does not exist for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from bordercase.accounts.models import User
from bordercase.api.auth import caller
from bordercase.api.requests import ERRORS
from bordercase.api.schemas import CSV_FILE, RowId, file_download
from bordercase.cases.access import request_get
from bordercase.immigration import access
from bordercase.immigration.models import Invitation, RecommendationBatch, VisaDecision
from bordercase.immigration.services import invitations, recommendations, visas
from bordercase.lib.errors import InvalidInput
from bordercase.privacy import reads

router = Router(tags=["immigration"])


class BatchIn(Schema):
    scheme: str = Field(description="The scheme's code, such as tech-specialists-2022.")
    assessing_body: str = Field(description="The code of the body that assessed the requests, such as nztech.")
    references: list[str] = Field(description="Every request to recommend: all are recommended, or none.")


class BatchOut(Schema):
    id: int
    scheme: str
    assessing_body: str
    sent_at: dt.datetime
    sent_by: str = Field(description="The email address of whoever sent the batch.")
    count: int
    references: list[str]
    csv_sha256: str = Field(description="SHA-256 of the CSV export, exactly as stored and downloaded.")
    json_sha256: str = Field(description="SHA-256 of the JSON export, exactly as stored and downloaded.")
    csv_url: str
    json_url: str


class BatchPage(Schema):
    count: int
    items: list[BatchOut]


class ReferencesIn(Schema):
    references: list[str] = Field(description="Every request to invite: all are invited, or none.")


class InvitationOut(Schema):
    reference: str
    status: str
    worker_email: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None


class VisaDecisionIn(Schema):
    outcome: Literal["granted", "declined"]
    valid_until: dt.date | None = Field(None, description="For a grant: the last day the visa is valid, after today.")
    conditions: str = Field("", max_length=10_000, description="For a grant: the visa's conditions.")
    reasons: str = Field("", max_length=10_000, description="For a decline: the reasons, which the worker reads.")


class VisaDecisionOut(Schema):
    reference: str
    status: str
    outcome: str
    valid_until: dt.date | None
    conditions: str
    reasons: str
    decided_at: dt.datetime
    family_members: int = Field(description="How many family members were decided with the worker.")


def _batch_out(batch: RecommendationBatch) -> BatchOut:
    base = f"/api/v1/recommendation-batches/{batch.pk}/export"
    references = sorted(batch.requests.values_list("reference", flat=True))
    return BatchOut(
        id=batch.pk, scheme=batch.scheme.code, assessing_body=batch.assessing_body.code or batch.assessing_body.name,
        sent_at=batch.created_at, sent_by=batch.created_by.email, count=len(references), references=references,
        csv_sha256=batch.csv_sha256, json_sha256=batch.json_sha256, csv_url=f"{base}.csv", json_url=f"{base}.json")


def _recommender(request: HttpRequest) -> User:
    user = caller(request)
    if not access.may_recommend(user):
        raise Http404("Not found.")
    return user


def _batch_reader(request: HttpRequest) -> User:
    user = caller(request)
    if not access.may_read_batches(user):
        raise Http404("Not found.")
    return user


def _officer(request: HttpRequest) -> User:
    user = caller(request)
    if not access.is_inz_officer(user):
        raise Http404("Not found.")
    return user


def _batch(user: User, batch_id: int) -> RecommendationBatch:
    found = access.batches_for(user).filter(pk=batch_id).first()
    if found is None:
        raise Http404(f"No recommendation batch {batch_id} that you can see. GET /recommendation-batches lists them.")
    return found


@router.post("/recommendation-batches", response={201: BatchOut, **ERRORS},
             summary="Recommend requests to Immigration NZ in one batch: all of them, or none",
             description="For an assessor at the body that assessed them, or a scheme administrator. The requests "
             "must be of one scheme with a recommendation step and one body, and allocated (a capped scheme) or "
             "eligible (an uncapped one).")
def batch_create(request: HttpRequest, body: BatchIn) -> Status[BatchOut]:
    user = _recommender(request)
    assessing_body = next((b for b in access.recommending_bodies(user) if b.code == body.assessing_body), None)
    if assessing_body is None:
        raise Http404(f"No assessing body {body.assessing_body!r} that you recommend for.")
    scheme = access.recommending_schemes().filter(code=body.scheme).first()
    if scheme is None:
        codes = ", ".join(access.recommending_schemes().values_list("code", flat=True))
        raise InvalidInput({"scheme": f"{body.scheme!r} is not a scheme whose requests are recommended: use {codes}."})
    picked = [request_get(user, reference) for reference in body.references]
    batch = recommendations.batch_send(scheme=scheme, body=assessing_body, requests=picked, by=user)
    return Status(201, _batch_out(batch))


@router.get("/recommendation-batches", response={200: BatchPage, **ERRORS},
            summary="The recommendation batches you can read, newest first")
def batch_list(request: HttpRequest) -> BatchPage:
    user = _batch_reader(request)
    found = access.batches_for(user)
    return BatchPage(count=found.count(), items=[_batch_out(b) for b in found[:200]])


@router.get("/recommendation-batches/{batch_id}", response={200: BatchOut, **ERRORS},
            summary="One recommendation batch, with its exports' digests")
def batch_read(request: HttpRequest, batch_id: RowId) -> BatchOut:
    return _batch_out(_batch(_batch_reader(request), batch_id))


BATCH_EXPORT = {
    "type": "object", "required": ["format", "batch", "scheme", "assessing_body", "sent_at", "sent_by", "count",
                                   "requests"],
    "properties": {"format": {"type": "string"}, "batch": {"type": "integer"}, "scheme": {"type": "string"},
                   "assessing_body": {"type": "string"}, "sent_at": {"type": "string", "format": "date-time"},
                   "sent_by": {"type": "string"}, "count": {"type": "integer"},
                   "requests": {"type": "array", "items": {"type": "object",
                                                           "additionalProperties": {"type": "string"}}}},
}


def export_response(batch: RecommendationBatch, kind: str) -> HttpResponse:
    """The export exactly as stored, with its SHA-256 in ``Repr-Digest`` for checking on receipt."""
    export = recommendations.export_of(batch, kind)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Repr-Digest"] = export.repr_digest
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/recommendation-batches/{batch_id}/export.csv", response=ERRORS, openapi_extra=file_download(
            {"text/csv": CSV_FILE}), summary="Download a batch's CSV export, as sent")
def batch_csv(request: HttpRequest, batch_id: RowId) -> HttpResponse:
    user = _batch_reader(request)
    batch = _batch(user, batch_id)
    reads.record_export(user, batch, "csv", channel=reads.Channel.API)
    return export_response(batch, "csv")


@router.get("/recommendation-batches/{batch_id}/export.json", response=ERRORS, openapi_extra=file_download(
            {"application/json": BATCH_EXPORT}), summary="Download a batch's JSON export, as sent")
def batch_json(request: HttpRequest, batch_id: RowId) -> HttpResponse:
    user = _batch_reader(request)
    batch = _batch(user, batch_id)
    reads.record_export(user, batch, "json", channel=reads.Channel.API)
    return export_response(batch, "json")


def _invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(reference=invitation.request.reference, status=invitation.request.status,
                         worker_email=invitation.worker_email, issued_at=invitation.issued_at,
                         expires_at=invitation.expires_at, used_at=invitation.used_at)


@router.post("/requests/{reference}/invitation", response={201: InvitationOut, **ERRORS},
             summary="As an Immigration NZ officer, invite the worker to apply",
             description="The worker is emailed a single-use link and the employer a link to the request; both get "
             "the PDF invitation letter. The link expires after the scheme's invitation_valid_days.")
def invitation_issue(request: HttpRequest, reference: str) -> Status[InvitationOut]:
    user = _officer(request)
    issued = invitations.invitation_issue(request=request_get(user, reference), by=user)
    return Status(201, _invitation_out(issued))


@router.post("/invitations", response={201: list[InvitationOut], **ERRORS},
             summary="As an Immigration NZ officer, invite several workers to apply: all of them, or none")
def invitations_issue(request: HttpRequest, body: ReferencesIn) -> Status[list[InvitationOut]]:
    user = _officer(request)
    issued = invitations.invitations_issue(requests=[request_get(user, ref) for ref in body.references], by=user)
    return Status(201, [_invitation_out(i) for i in issued])


@router.post("/requests/{reference}/visa-decision", response={201: VisaDecisionOut, **ERRORS},
             summary="As an Immigration NZ officer, grant or decline the visa on a lodged request to travel",
             description="The worker's family are decided with them. A grant needs valid_until (after today) and "
                         "conditions; a decline needs reasons. The worker and the employer are emailed a PDF letter.")
def visa_decide(request: HttpRequest, reference: str, body: VisaDecisionIn) -> Status[VisaDecisionOut]:
    user = _officer(request)
    found = request_get(user, reference)
    if body.outcome == "granted":
        decision = visas.visa_grant(request=found, by=user, valid_until=body.valid_until, conditions=body.conditions)
    else:
        decision = visas.visa_decline(request=found, by=user, reasons=body.reasons)
    return Status(201, _decision_out(decision))


def _decision_out(decision: VisaDecision) -> VisaDecisionOut:
    travel = visas.travel_request_of(decision.request)
    return VisaDecisionOut(
        reference=decision.request.reference, status=decision.request.status, outcome=decision.outcome,
        valid_until=decision.valid_until, conditions=decision.conditions, reasons=decision.reasons,
        decided_at=decision.decided_at, family_members=len(visas.family_of(travel)))

