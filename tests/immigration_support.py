"""Setting up Immigration NZ's side for tests: requests allocated, recommended, approved in principle, invited,
and with a request to travel lodged (with a partner and a child), all through the services or, for the worker's
own request to travel (another part of bordercase), the ORM and the real transition."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from pypdf import PdfReader

from bordercase.accounts.models import User
from bordercase.accounts.organisations import organisation_by_code
from bordercase.cases.models import Request, Scheme
from bordercase.cases.services.requests import request_create
from bordercase.cases.services.transitions import request_transition
from bordercase.immigration.models import FamilyMember, TravelRequest
from bordercase.immigration.passports import passport_line
from bordercase.immigration.services.invitations import invitation_issue
from bordercase.immigration.services.recommendations import batch_send
from tests.conftest import ANSWERS, PASSWORD, World, nominee, walk

TECH = "tech-specialists-2022"
ESSENTIAL = "other-essential-worker-2020"
PARTNER_PASSPORT = "PA7731902"
CHILD_PASSPORT = "CH5520417"


def allocated(world: World, *, body: str = "nztech", employer: str = "a", **person: Any) -> Request:
    """A tech nomination lodged, found eligible by its body's assessor and allocated a place by hand."""
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


def worker_account(request: Request) -> User:
    """The nominated worker's own account, as following the invitation link gives them."""
    person = request.nominee
    user = User.objects.create_user(person.email, PASSWORD, full_name=person.full_name)
    person.user = user
    person.save(update_fields=["user"])
    return user


def travelling(world: World, request: Request, *, family: tuple[str, ...] = ("partner", "child")) -> Request:
    """Invite the request (if need be) and lodge the worker's request to travel, with ``family`` travelling."""
    request.refresh_from_db()
    if request.status != "invited":
        invitation_issue(request=request, by=world.inz_officer)
    worker = worker_account(request)
    person = request.nominee
    travel_on = timezone.localdate() + dt.timedelta(days=40)
    expiry = travel_on + dt.timedelta(days=3 * 365)
    travel = TravelRequest.objects.create(
        request=request, worker=worker, given_names=person.given_names, family_name=person.family_name,
        date_of_birth=person.date_of_birth, nationality=person.nationality, phone="+91 98765 43210",
        passport_number=person.passport_number, passport_country=person.nationality, passport_expiry=expiry,
        passport_mrz=passport_line(person.passport_number, person.nationality, person.date_of_birth, expiry),
        no_family=not family, travel_date=travel_on, isolation_voucher="MIQ-4471-2208",
        isolation_from=travel_on + dt.timedelta(days=1), isolation_to=travel_on + dt.timedelta(days=15),
        isolation_paid_by=TravelRequest.PaidBy.EMPLOYER, declared_at=timezone.now(), lodged_at=timezone.now())
    people = {"partner": ("Anjali", dt.date(1990, 2, 3), PARTNER_PASSPORT),
              "child": ("Dev", dt.date(2016, 7, 9), CHILD_PASSPORT)}
    for relationship in family:
        given, born, passport = people[relationship]
        FamilyMember.objects.create(
            travel_request=travel, relationship=relationship, given_names=given, family_name=person.family_name,
            date_of_birth=born, nationality="IND", passport_number=passport, passport_country="IND",
            passport_expiry=expiry, passport_mrz=passport_line(passport, "IND", born, expiry))
    return request_transition(request=request, name="request_travel", by=worker)


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF, with lines joined by one space, as wrapping falls where it may."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def attachment(message: Any) -> tuple[str, bytes]:
    """The one PDF attached to an email: its file name and bytes."""
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    return part.get_filename(), part.get_content()
