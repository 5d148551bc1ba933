"""Setting up Immigration NZ's side for tests: requests allocated by a round, recommended, approved in principle,
invited, and with a request to travel lodged by the worker (with a partner and a child), each transition through
its owning action."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from pypdf import PdfReader

from bordercase.accounts.organisations import organisation_by_code
from bordercase.cases.models import Request, Scheme
from bordercase.cases.services.requests import request_create
from bordercase.immigration.passports import passport_line
from bordercase.immigration.services.invitations import invitation_issue
from bordercase.immigration.services.recommendations import batch_send
from tests.conftest import ANSWERS, World, nominee
from tests.walking import travel_lodged, walk, worker_account

TECH = "tech-specialists-2022"
ESSENTIAL = "other-essential-worker-2020"
PARTNER_PASSPORT = "PA7731902"
CHILD_PASSPORT = "CH5520417"


def allocated(world: World, *, body: str = "nztech", employer: str = "a", **person: Any) -> Request:
    """A tech nomination lodged, found eligible by its body's assessor and allocated a place by an allocation round
    (which also allocates any other eligible tech nomination; the intake is open again afterwards)."""
    user, organisation = (world.employer_a, world.org_a) if employer == "a" else (world.employer_b, world.org_b)
    assessor = world.assessor_nztech if body == "nztech" else world.assessor_itpnz
    draft = request_create(by=user, scheme=Scheme.objects.get(code=TECH), organisation=organisation,
                           nominee=nominee(**person), assessing_body=organisation_by_code(body),
                           answers=ANSWERS[TECH])
    return walk(draft, [("lodge", user), ("start_assessment", assessor), ("find_eligible", assessor),
                        ("allocate", world.administrator)])


def recommended(world: World, **kwargs: Any) -> Request:
    request = allocated(world, **kwargs)
    body = request.assessing_body
    sender = world.assessor_nztech if body.code == "nztech" else world.assessor_itpnz
    batch_send(scheme=request.scheme, body=body, requests=[request], by=sender)
    request.refresh_from_db()
    return request


def approved_in_principle(world: World, **person: Any) -> Request:
    """An employer's request for approval in principle of an essential worker, approved by Immigration NZ."""
    draft = request_create(by=world.employer_a, scheme=Scheme.objects.get(code=ESSENTIAL), organisation=world.org_a,
                           nominee=nominee(**person), assessing_body=organisation_by_code("inz"),
                           answers=ANSWERS[ESSENTIAL])
    return walk(draft, [("lodge", world.employer_a), ("start_assessment", world.assessor_inz),
                        ("find_eligible", world.assessor_inz)])


def travelling(world: World, request: Request, *, family: tuple[str, ...] = ("partner", "child")) -> Request:
    """Invite the request (if need be) and lodge the worker's request to travel through the travel services, from
    their own account, with ``family`` travelling."""
    request.refresh_from_db()
    if request.status != "invited":
        invitation_issue(request=request, by=world.inz_officer)
    worker = worker_account(request)
    person = request.nominee
    expiry = timezone.localdate() + dt.timedelta(days=40 + 3 * 365)
    people = {"partner": ("Anjali", dt.date(1990, 2, 3), PARTNER_PASSPORT),
              "child": ("Dev", dt.date(2016, 7, 9), CHILD_PASSPORT)}
    members = []
    for relationship in family:
        given, born, passport = people[relationship]
        members.append({"relationship": relationship, "given_names": given, "family_name": person.family_name,
                        "date_of_birth": born, "nationality": "IND", "passport_number": passport,
                        "passport_country": "IND", "passport_expiry": expiry,
                        "passport_mrz": passport_line(passport, "IND", born, expiry)})
    return travel_lodged(request, worker, family=members)


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF, with lines joined by one space, as wrapping falls where it may."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def attachment(message: Any) -> tuple[str, bytes]:
    """The one PDF attached to an email: its file name and bytes."""
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    return part.get_filename(), part.get_content()
