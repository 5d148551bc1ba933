"""Recommending requests to Immigration NZ in batches, with the export each batch was sent as.

An assessor at the assessing body (or a scheme administrator) chooses requests of one scheme and body that may
be recommended: allocated ones in a capped scheme, eligible ones in an uncapped one. The batch is all or none:
every request gets the ``recommend`` transition, or (if any cannot) none does and nothing is sent. The batch
keeps its CSV and JSON exactly as sent, with their SHA-256, so Immigration NZ can check what it received.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from bordercase.accounts.models import Organisation, User
from bordercase.cases import access, notifications
from bordercase.cases.lifecycle import TRANSITIONS, LifecycleError, Step
from bordercase.cases.models import Event, Request, Scheme
from bordercase.cases.services.transitions import request_transition
from bordercase.immigration.access import recommending_bodies
from bordercase.immigration.models import RecommendationBatch
from bordercase.lib.errors import ConcurrentChange, InvalidInput, NotFound, Refused
from bordercase.lib.spreadsheet import spreadsheet_safe

EXPORT_FORMAT = "bordercase-recommendations-v1"
EXPORT_FIELDS = (
    "reference", "scheme", "assessing_body", "employer_nzbn", "employer_name", "worker_given_names",
    "worker_family_name", "worker_date_of_birth", "worker_nationality", "worker_passport_number", "pre_assessment",
    "decided_at", "allocated_at",
)
# A spreadsheet runs a cell starting with one of these as a formula: an employer's or worker's name must not.


def recommendable(scheme: Scheme, body: Organisation) -> QuerySet[Request]:
    """The requests of this scheme and body that may be recommended now, oldest lodged first."""
    sources = TRANSITIONS["recommend"].sources(scheme.steps)
    return (Request.objects.filter(scheme=scheme, assessing_body=body, status__in=sources)
            .select_related("scheme", "organisation", "nominee", "assessing_body").order_by("lodged_at", "pk"))


def _require_sender(by: User, scheme: Scheme, body: Organisation) -> None:
    if body.pk not in {b.pk for b in recommending_bodies(by)}:
        raise Refused(f"Only an assessor at {body.name}, or a scheme administrator, can recommend its requests.")
    if Step.RECOMMENDATION not in scheme.steps:
        raise InvalidInput({"scheme": f"{scheme.title} has no recommendation step: Immigration NZ invites its "
                                      "requests without one."})
    if not scheme.assessing_bodies.filter(pk=body.pk).exists():
        raise InvalidInput({"assessing_body": f"{body.name} does not assess {scheme.title}: choose the body that "
                                              "assessed the requests."})


def _refuse(request: Request, why: str) -> InvalidInput:
    return InvalidInput({"requests": f"{request.reference}: {why} Nothing was sent: take it out of the batch, or "
                                     "reload the page and choose again."})


def batch_send(*, scheme: Scheme, body: Organisation, requests: Sequence[Request], by: User) -> RecommendationBatch:
    """Recommend every one of ``requests`` to Immigration NZ in one batch, or none of them."""
    _require_sender(by, scheme, body)
    chosen = sorted({r.pk: r for r in requests}.values(), key=lambda r: r.pk)
    if not chosen:
        raise InvalidInput({"requests": "Choose at least one request to recommend."})
    sources = TRANSITIONS["recommend"].sources(scheme.steps)
    for request in chosen:
        if request.scheme_id != scheme.pk or request.assessing_body_id != body.pk:
            raise _refuse(request, f"it is not a {scheme.title} request assessed by {body.name}.")
        if request.state not in sources:
            raise _refuse(request, f"its status is {request.state.label}, and only a request whose status is "
                                   f"{' or '.join(sorted(s.label for s in sources))} can be recommended.")
    with notifications.notices_together(f"a recommendation to Immigration NZ by {body.name}"), transaction.atomic():
        batch = RecommendationBatch.objects.create(scheme=scheme, assessing_body=body, created_by=by,
                                                   export_csv=b"", export_json=b"")
        reason = f"Recommended to Immigration NZ by {body.name} in recommendation batch {batch.pk}."
        for request in chosen:
            try:
                # Rows are locked in one order (by id), so two overlapping batches cannot deadlock.
                request_transition(request=request, name="recommend", by=by, reason=reason,
                                   data={"batch": batch.pk})
            except (LifecycleError, ConcurrentChange) as exc:
                raise _refuse(request, str(exc)) from exc
        batch.requests.set(chosen)
        rows = export_rows(batch)
        batch.export_csv, batch.export_json = export_csv(rows), export_json(batch, rows)
        batch.csv_sha256 = hashlib.sha256(batch.export_csv).hexdigest()
        batch.json_sha256 = hashlib.sha256(batch.export_json).hexdigest()
        batch.save(update_fields=["export_csv", "export_json", "csv_sha256", "json_sha256"])
    return batch


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else ""


def _latest(events: QuerySet[Event], transitions: Sequence[str]) -> dict[int, datetime]:
    latest: dict[int, datetime] = {}
    for request_id, at in events.filter(transition__in=transitions).values_list("request_id", "at"):
        latest[request_id] = max(at, latest.get(request_id, at))
    return latest


def export_rows(batch: RecommendationBatch) -> list[dict[str, str]]:
    """One row per request, in reference order: who the worker is, for whom, and when each step happened."""
    requests = list(batch.requests.select_related("scheme", "organisation", "nominee", "assessing_body")
                    .prefetch_related("evaluations").order_by("reference"))
    events = Event.objects.filter(request__in=requests)
    decided, allocated = _latest(events, ("find_eligible",)), _latest(events, ("allocate", "promote"))
    rows = []
    for r in requests:
        person, employer = r.nominee, r.organisation
        latest = max(r.evaluations.all(), key=lambda e: (e.created_at, e.pk), default=None)
        body = r.assessing_body
        rows.append({
            "reference": r.reference, "scheme": r.scheme.code,
            "assessing_body": (body.code or body.name) if body else "",
            "employer_nzbn": (employer.nzbn or "") if employer else "",
            "employer_name": employer.name if employer else "",
            "worker_given_names": person.given_names if person else "",
            "worker_family_name": person.family_name if person else "",
            "worker_date_of_birth": person.date_of_birth.isoformat() if person else "",
            "worker_nationality": person.nationality if person else "",
            "worker_passport_number": person.passport_number if person else "",
            "pre_assessment": latest.outcome if latest else "",
            "decided_at": _utc(decided.get(r.pk)), "allocated_at": _utc(allocated.get(r.pk)),
        })
    return rows


def export_csv(rows: Sequence[dict[str, str]]) -> bytes:
    """RFC 4180 CSV in UTF-8 with a header row; a value a spreadsheet would run as a formula starts with '."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        writer.writerow([spreadsheet_safe(row[f]) for f in EXPORT_FIELDS])
    return out.getvalue().encode("utf-8")


def export_json(batch: RecommendationBatch, rows: Sequence[dict[str, str]]) -> bytes:
    """The batch as JSON with sorted keys, so the same batch always gives the same bytes and digest."""
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT, "batch": batch.pk, "scheme": batch.scheme.code,
        "assessing_body": batch.assessing_body.code or batch.assessing_body.name,
        "sent_at": _utc(batch.created_at), "sent_by": batch.created_by.email, "count": len(rows),
        "requests": list(rows),
    }
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def export_name(batch: RecommendationBatch, kind: str) -> str:
    return f"recommendations-{batch.scheme.code}-batch-{batch.pk}.{kind}"


@dataclass(frozen=True)
class Export:
    """A batch's export as downloaded: exactly the stored bytes, and how to label them."""

    content: bytes
    content_type: str
    filename: str

    @property
    def repr_digest(self) -> str:
        """The ``Repr-Digest`` header (RFC 9530), so a receiver can check the bytes against the digest shown."""
        return f"sha-256=:{base64.b64encode(hashlib.sha256(self.content).digest()).decode('ascii')}:"


EXPORTS_REMOVED = ("This batch's exports were removed under the retention schedule once every request in it had been "
                   "reduced; its SHA-256 digests are kept, so a copy kept elsewhere can still be checked against them.")


def exports_removed(batch: RecommendationBatch) -> bool:
    """Retention empties both exports together once the last request in the batch is reduced (asked of the
    database, which can tell an empty export without opening a sealed one)."""
    return RecommendationBatch.objects.filter(pk=batch.pk, export_csv=b"").exists()


def export_of(batch: RecommendationBatch, kind: str) -> Export:
    if exports_removed(batch):
        raise NotFound(EXPORTS_REMOVED)
    if kind == "csv":
        return Export(bytes(batch.export_csv), "text/csv; charset=utf-8", export_name(batch, "csv"))
    return Export(bytes(batch.export_json), "application/json", export_name(batch, "json"))


def batch_requests_for(user: User, batch: RecommendationBatch) -> list[Request]:
    """The batch's requests as this user may see them now (their status may have moved on)."""
    return list(access.visible_requests(user).filter(recommendation_batches=batch).order_by("reference"))
