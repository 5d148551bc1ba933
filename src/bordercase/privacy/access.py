"""A person's own information back to them (Privacy Act 2020, IPP 6): everything bordercase holds about the person
signed in, as one zip of ``data.json`` and their files, and nobody else's.

Which requests are theirs is not decided here: it is ``cases.access.visible_requests`` (the one query for a user's
requests) narrowed to the capacities in which a request is about them:

- the nominated worker (``nominee.user``) and the individual who applied for themselves: the request in full,
  its answers, the history they read, decisions, the request to travel with the family, the visa decision,
  letters, correction requests and every evidence file on it;
- an employer's staff: the requests they started, by reference, scheme and status only, with the files they
  themselves uploaded. The worker's passport, birth date and family are the worker's own information, which the
  worker asks for themselves.

Never in it: password hashes, second-factor secrets, API token secrets, other people's accounts, staff's working
notes (the history an applicant does not read).

The zip is written to a temporary file on disk, a file at a time, and streamed from there: evidence files are at
most ``BORDERCASE_EVIDENCE_MAX_BYTES`` each, so the zip is bounded by the person's own uploads, never held in memory.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from bordercase.accounts.models import User
from bordercase.cases import access
from bordercase.cases.lifecycle import State, event_title
from bordercase.cases.models import Document, Person, Request
from bordercase.cases.services.assessment import history_for
from bordercase.cases.services.documents import display_name
from bordercase.immigration.models import IssuedLetter, TravelRequest, VisaDecision
from bordercase.lib.evidence import download_name
from bordercase.privacy.corrections import CorrectionRequest, corrections_of

FORMAT = "bordercase-my-data/1"
_COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileOut:
    """An evidence file in the zip: where it goes in the zip, and the stored document."""

    name: str
    document: Document


@dataclass(frozen=True)
class MyData:
    data: dict[str, Any]
    files: tuple[FileOut, ...]


def requests_about(user: User) -> QuerySet[Request]:
    """The requests about this person: they are its nominated worker, or the individual who applied."""
    return access.visible_requests(user).filter(
        Q(nominee__user_id=user.pk) | Q(organisation__isnull=True, created_by_id=user.pk))


def requests_started(user: User) -> QuerySet[Request]:
    """The employer's requests this person started (and may still see), other than those about them."""
    return (access.visible_requests(user).filter(organisation__isnull=False, created_by_id=user.pk)
            .exclude(pk__in=requests_about(user).values("pk")))


def my_data(user: User) -> MyData:
    """Everything bordercase holds about ``user``: the JSON and the list of their files."""
    about = list(requests_about(user).order_by("created_at", "pk"))
    started = list(requests_started(user).order_by("created_at", "pk"))
    files: list[FileOut] = []
    about_out = []
    for request in about:
        documents = list(request.documents.order_by("uploaded_at", "pk"))
        placed = _place(request, documents)
        files.extend(placed)
        about_out.append(_request_in_full(user, request, placed))
    started_out = []
    # An employer may have started thousands: their own uploads on all of them in one query, not one each.
    uploaded: dict[int, list[Document]] = {}
    for document in Document.objects.filter(
            uploaded_by=user, request__in=requests_started(user).values("pk")).order_by("uploaded_at", "pk"):
        uploaded.setdefault(document.request_id, []).append(document)
    for request in started:
        placed = _place(request, uploaded.get(request.pk, []))
        files.extend(placed)
        started_out.append({
            "reference": request.reference, "scheme": request.scheme.title, "status": request.status,
            "status_label": State(request.status).label, "employer": request.organisation.name
            if request.organisation else None, "started_at": request.created_at, "lodged_at": request.lodged_at,
            "files_you_uploaded": [_document(f) for f in placed],
        })
    data = {
        "format": FORMAT,
        "made_at": timezone.now(),
        "account": _account(user),
        "memberships": [
            {"organisation": m.organisation.name, "kind": m.organisation.kind, "role": m.role, "since": m.created_at}
            for m in user.memberships.select_related("organisation").order_by("created_at", "pk")],
        "notification_settings": {"status_changes": "one email a day" if user.notices_daily else "one email each"},
        "api_tokens": [
            {"name": t.name, "created_at": t.created_at, "last_used_at": t.last_used_at, "revoked_at": t.revoked_at}
            for t in user.api_tokens.order_by("created_at", "pk")],
        "people": [_person(p) for p in Person.objects.filter(user_id=user.pk).order_by("created_at", "pk")],
        "requests_about_you": about_out,
        "requests_you_started_for_an_employer": started_out,
        "correction_requests_you_made": [
            _correction(c) for c in CorrectionRequest.objects.filter(asked_by=user).select_related("request", "body")
            .order_by("asked_at", "pk")],
    }
    return MyData(data, tuple(files))


def my_data_zip(user: User) -> IO[bytes]:
    """The zip of ``data.json`` and the person's files, in a temporary file (gone once closed), read from its start."""
    found = my_data(user)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once streamed
    try:
        zip_write(out, found)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def my_data_download(user: User) -> FileResponse:
    """The zip as both interfaces answer it: an attachment streamed from its temporary file, which the response
    closes (and so deletes) once sent, never kept by a cache."""
    name = f"bordercase-my-data-{timezone.localdate():%Y-%m-%d}.zip"
    response = FileResponse(my_data_zip(user), content_type="application/zip", as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def zip_write(out: IO[bytes], found: MyData) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr("data.json", json.dumps(found.data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
        for placed in found.files:
            # PDFs and images are compressed already: stored as they are, copied a megabyte at a time.
            info = zipfile.ZipInfo(placed.name, date_time=timezone.localtime(placed.document.uploaded_at)
                                   .timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            try:
                source = placed.document.file.open("rb")
            except (OSError, ValueError):
                # Gone from storage (disposed of under the retention rules, a store that lost it) or a row with no
                # file at all (ValueError): data.json still lists it, and the person still gets the rest.
                continue
            with source, archive.open(info, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, _COPY_CHUNK)


def _place(request: Request, documents: Iterable[Document]) -> list[FileOut]:
    # The uploader's name is cleaned when stored (cases.services.documents.display_name), but a row written any
    # other way (the admin, an import, an older version) must not put "../" or "/" into the zip: cleaned again here,
    # by the same rule, so a member can never land outside files/<reference>/ when unzipped. The number first keeps
    # two files of the same name apart.
    return [FileOut(f"files/{request.reference}/{d.pk}-"
                    f"{display_name(download_name(d.original_name, d.content_type))}", d)
            for d in documents]


def _account(user: User) -> dict[str, Any]:
    devices = TOTPDevice.objects.filter(user=user).order_by("pk")
    return {
        "email": user.email, "full_name": user.full_name, "active": user.is_active,
        "joined_at": user.date_joined, "email_confirmed_at": user.email_verified_at,
        "last_signed_in_at": user.last_login,
        "second_factor": [
            {"kind": "authenticator app", "name": d.name, "confirmed": d.confirmed,
             "set_up_at": getattr(d, "created_at", None), "last_used_at": getattr(d, "last_used_at", None)}
            for d in devices],
    }


def _person(person: Person) -> dict[str, Any]:
    return {
        "given_names": person.given_names, "family_name": person.family_name,
        "date_of_birth": person.date_of_birth, "nationality": person.nationality,
        "passport_number": person.passport_number, "email": person.email, "recorded_at": person.created_at,
    }


def _document(placed: FileOut) -> dict[str, Any]:
    d = placed.document
    return {"file": placed.name, "kind": d.kind, "name": d.original_name, "content_type": d.content_type,
            "size": d.size, "sha256": d.sha256, "uploaded_at": d.uploaded_at}


def _request_in_full(user: User, request: Request, placed: list[FileOut]) -> dict[str, Any]:
    parties = access.parties(user, request)
    capacity = sorted(p.value for p in parties if p.value in ("applicant", "nominee"))
    letters = IssuedLetter.objects.filter(request=request).order_by("issued_at", "pk")
    if "applicant" not in capacity:
        letters = letters.exclude(for_whom=IssuedLetter.ForWhom.EMPLOYER)
    visa = VisaDecision.objects.filter(request=request).first()
    travel = (TravelRequest.objects.filter(request=request, worker_id=user.pk).prefetch_related("family").first())
    return {
        "reference": request.reference, "you_are": capacity, "scheme": request.scheme.title,
        "status": request.status, "status_label": State(request.status).label,
        "employer": request.organisation.name if request.organisation else None,
        "assessing_body": request.assessing_body.name if request.assessing_body else None,
        "started_at": request.created_at, "lodged_at": request.lodged_at,
        "nominee": _person(request.nominee) if request.nominee else None,
        "answers": request.answers,
        "history": [
            {"what": event_title(e.transition), "at": e.at, "from": e.from_state, "to": e.to_state,
             "reason": e.reason_shown}
            for e in history_for(user, request)],
        "evidence": [_document(f) for f in placed],
        "request_to_travel": _travel(travel) if travel else None,
        "visa_decision": {
            "outcome": visa.outcome, "valid_until": visa.valid_until, "conditions": visa.conditions,
            "reasons": visa.reasons, "decided_at": visa.decided_at} if visa else None,
        "letters": [
            {"kind": letter.get_kind_display(), "for": letter.get_for_whom_display(), "decided": letter.decided,
             "verification_code": letter.code, "issued_at": letter.issued_at, "sha256": letter.sha256}
            for letter in letters],
        # The ones this person may read (privacy.corrections' rule): a worker's own, not the employer's, and back.
        "correction_requests": [_correction(c) for c in corrections_of(user, request).select_related("request")],
    }


def _travel(travel: TravelRequest) -> dict[str, Any]:
    return {
        "given_names": travel.given_names, "family_name": travel.family_name, "date_of_birth": travel.date_of_birth,
        "nationality": travel.nationality, "phone": travel.phone, "passport_number": travel.passport_number,
        "passport_country": travel.passport_country, "passport_expiry": travel.passport_expiry,
        "passport_mrz": travel.passport_mrz, "no_family": travel.no_family, "travel_date": travel.travel_date,
        "isolation_voucher": travel.isolation_voucher, "isolation_from": travel.isolation_from,
        "isolation_to": travel.isolation_to, "isolation_paid_by": travel.isolation_paid_by,
        "declared_at": travel.declared_at, "lodged_at": travel.lodged_at,
        "family": [
            {"relationship": m.relationship, "given_names": m.given_names, "family_name": m.family_name,
             "date_of_birth": m.date_of_birth, "nationality": m.nationality, "passport_number": m.passport_number,
             "passport_country": m.passport_country, "passport_expiry": m.passport_expiry,
             "passport_mrz": m.passport_mrz}
            for m in travel.family.all()],
    }


def _correction(c: CorrectionRequest) -> dict[str, Any]:
    return {
        "request": c.request.reference, "information": c.get_information_display(), "should_say": c.should_say,
        "why": c.why, "asked_at": c.asked_at, "sent_to": c.body.name, "outcome": c.outcome or "waiting",
        "answer": c.answer, "answered_at": c.answered_at, "statement_attached_at": c.statement_attached_at,
    }
