"""Loading the demo: organisations, accounts, intake windows and requests under every kind of scheme."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from bordercase.accounts.models import Organisation, User
from bordercase.cases.models import Person, Request, Scheme
from bordercase.cases.services import assessment
from bordercase.cases.services.lodging import request_lodge
from bordercase.cases.services.people import person_create
from bordercase.cases.services.requests import request_create
from bordercase.cases.services.windows import window_add
from bordercase.demo import accounts as who
from bordercase.demo.people import ESSENTIAL_ANSWERS, crowd, named_workers
from bordercase.demo.tech import TECH, found_eligible, tech_load
from bordercase.immigration.services.invitations import invitation_issue


@dataclass(frozen=True)
class Loaded:
    requests: int
    travel_link_token: str  # an invited worker's link, not yet followed: /invitation-to-apply/<token>/


def _windows_open(users: dict[str, User]) -> None:
    """Every scheme but the tech class takes requests: a window opened a fortnight ago and closes in six weeks."""
    now = timezone.now()
    for scheme in Scheme.objects.exclude(code=TECH):
        window_add(scheme=scheme, opens_at=now - timedelta(days=14), closes_at=now + timedelta(days=42),
                   by=users[who.ADMINISTRATOR], reason="The demo's intake.")


def _essential_load(users: dict[str, User], named: Iterator[Person]) -> int:
    """Harbourside Engineering's essential workers: Immigration NZ assesses them and invites directly, no cap."""
    scheme = Scheme.objects.get(code="other-essential-worker-2020")
    employer, assessor, second = users[who.HARBOURSIDE], users[who.INZ], users[who.INZ_SECOND]
    harbourside = Organisation.objects.get(nzbn=who.HARBOURSIDE_NZBN)

    def lodged() -> Request:
        draft = request_create(by=employer, scheme=scheme, organisation=harbourside, nominee=next(named),
                               answers=ESSENTIAL_ANSWERS)
        return request_lodge(request=draft, by=employer)

    lodged()
    declined = lodged()
    assessment.request_claim(request=declined, by=assessor)
    assessment.findings_record(request=declined, by=assessor,
                               found={r.id: ("not_met", "The project can go ahead with a local hire.")
                                      for r in assessment.rules_of(declined)})
    proposed = assessment.request_decide(request=declined, by=assessor, decision="decline",
                                         text="The role is not time critical: the project can proceed with a "
                                              "local hire.")
    if assessment.needs_second_assessor(proposed):
        assessment.decline_confirm(request=proposed, by=second)
    invitation_issue(request=found_eligible(lodged(), assessor), by=users[who.OFFICER])
    return 3


def _eoi_load(users: dict[str, User]) -> int:
    """An individual's expression of interest under the family category, in Immigration NZ's queue."""
    individual = users[who.INDIVIDUAL]
    draft = request_create(
        by=individual, scheme=Scheme.objects.get(code="eoi-family-2020"),
        nominee=person_create(given_names="Wei", family_name="Li", date_of_birth=date(1990, 3, 3), nationality="CHN",
                              passport_number="EA7654321", email=who.INDIVIDUAL),
        answers={"explanation": "My husband is a New Zealand citizen; we have lived in Auckland since 2016."})
    assessment.request_claim(request=request_lodge(request=draft, by=individual), by=users[who.INZ])
    return 1


@transaction.atomic
def demo_load() -> Loaded:
    """Create the demo's organisations, accounts, windows and requests."""
    who.employers_create()
    users = who.accounts_create()
    _windows_open(users)
    named = named_workers()
    tech = tech_load(users, named, crowd())
    made = tech.requests + _essential_load(users, named) + _eoi_load(users)
    return Loaded(requests=made, travel_link_token=tech.travel_link_token)
