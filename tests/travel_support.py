"""Setting up requests to travel for tests: a request invited to apply, its invitation link, valid passports'
machine-readable zones, and the worker's answers, all through the real services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.cases.models import Request
from bordercase.immigration.models import FamilyMember, Invitation, TravelRequest
from bordercase.immigration.passports import passport_line
from bordercase.immigration.services import claims, travel
from bordercase.immigration.services.tokens import token_new
from tests.conftest import PASSWORD, World
from tests.walking import walk

OEW = "other-essential-worker-2020"
TECH = "tech-specialists-2022"
MakeRequest = Callable[..., Request]
# ICAO Doc 9303 part 4's specimen passport (Anna Maria Eriksson, Utopia): the second line of its MRZ.
ICAO_SPECIMEN = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"


def today() -> dt.date:
    return timezone.localdate()


def invited(world: World, make_request: MakeRequest, *, scheme: str = OEW) -> Request:
    """A request invited to apply: an essential worker's through approval in principle, or a tech nomination."""
    if scheme == OEW:
        return walk(make_request(scheme=OEW, body="inz"), [
            ("lodge", world.employer_a), ("start_assessment", world.assessor_inz),
            ("find_eligible", world.assessor_inz), ("invite", world.inz_officer)])
    return walk(make_request(scheme=TECH, body="nztech"), [
        ("lodge", world.employer_a), ("start_assessment", world.assessor_nztech),
        ("find_eligible", world.assessor_nztech), ("allocate", world.administrator),
        ("recommend", world.assessor_nztech), ("invite", world.inz_officer)])


def invitation_link(world: World, request: Request, *, days: int = 30, email: str | None = None) -> str:
    """An invitation row for the request, as Immigration NZ would issue it; the token of its link."""
    token, digest = token_new()
    now = timezone.now()
    Invitation.objects.create(request=request, token_sha256=digest, worker_email=email or request.nominee.email,
                              issued_by=world.inz_officer, issued_at=now, expires_at=now + dt.timedelta(days=days))
    return token


def worker_of(world: World, request: Request) -> User:
    """The nominee with an account, who followed their link and claimed it."""
    user = User.objects.create_user(request.nominee.email, PASSWORD, full_name=request.nominee.full_name)
    claims.invitation_claim(token=invitation_link(world, request), user=user)
    return user


def travel_of(request: Request) -> TravelRequest:
    return TravelRequest.objects.select_related("request__scheme", "request__nominee").get(request=request)


def personal(request: Request) -> dict[str, Any]:
    """The worker's personal details, as the employer recorded them, with a phone number."""
    n = request.nominee
    return {"given_names": n.given_names, "family_name": n.family_name, "date_of_birth": n.date_of_birth,
            "nationality": n.nationality, "phone": "+91 98765 43210"}


def passport(request: Request, *, expiry: dt.date | None = None) -> dict[str, Any]:
    n = request.nominee
    expires = expiry or today() + dt.timedelta(days=6 * 365)
    return {"passport_number": n.passport_number, "passport_country": n.nationality, "passport_expiry": expires,
            "passport_mrz": passport_line(n.passport_number, n.nationality, n.date_of_birth, expires)}


def person(relationship: str, *, given: str, born: dt.date, number: str, nationality: str = "IND",
           expiry: dt.date | None = None) -> dict[str, Any]:
    """A partner's or child's details, with a passport whose MRZ agrees."""
    expires = expiry or today() + dt.timedelta(days=5 * 365)
    return {"relationship": relationship, "given_names": given, "family_name": "Kumar", "date_of_birth": born,
            "nationality": nationality, "passport_number": number, "passport_country": nationality,
            "passport_expiry": expires, "passport_mrz": passport_line(number, nationality, born, expires)}


def partner() -> dict[str, Any]:
    return person(FamilyMember.Relationship.PARTNER, given="Anjali", born=dt.date(1990, 1, 23), number="P4455667")


def child(*, born: dt.date = dt.date(2016, 6, 5), number: str = "C1234567") -> dict[str, Any]:
    return person(FamilyMember.Relationship.CHILD, given="Mei", born=born, number=number)


def journey(*, leaves_in: int = 10, arrival_days: int = 1, days: int = 14, paid_by: str = "employer"
            ) -> dict[str, Any]:
    leaves = today() + dt.timedelta(days=leaves_in)
    starts = leaves + dt.timedelta(days=arrival_days)
    return {"travel_date": leaves, "isolation_voucher": "MIQ-2020-48213", "isolation_from": starts,
            "isolation_to": starts + dt.timedelta(days=days), "isolation_paid_by": paid_by}


def filled(request: Request, worker: User, *, with_family: bool = True, declared: bool = True) -> TravelRequest:
    """Every task of the request to travel answered (with a partner and a child unless told), and declared."""
    opened = travel.travel_request_open(request=request, by=worker)
    travel.personal_details_save(travel=opened, by=worker, **personal(request))
    travel.passport_save(travel=opened, by=worker, **passport(request))
    if with_family:
        travel.family_member_save(travel=opened, by=worker, **partner())
        travel.family_member_save(travel=opened, by=worker, **child())
    else:
        travel.no_family_say(travel=opened, by=worker)
    travel.journey_save(travel=opened, by=worker, **journey())
    if declared:
        travel.declarations_make(travel=opened, by=worker)
    return travel_of(request)
