"""The tech class exception in the demo: more nominations than its 600 places, a round drawn by ballot, places
given up and passed down the waitlist, the journey on to visas, and a second round ready to freeze.

Every step goes through the service its people use: employers lodge and withdraw, assessors assess and recommend,
the scheme administrator closes intake and runs the round, Immigration NZ invites and decides visas, and workers
lodge their requests to travel from their invitation's link.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import cycle

from django.utils import timezone

from bordercase.accounts.models import Organisation, User
from bordercase.accounts.organisations import organisation_by_code
from bordercase.cases.lifecycle import State
from bordercase.cases.models import AllocationRound, Person, Request, Scheme
from bordercase.cases.services import allocation, assessment
from bordercase.cases.services.lodging import request_lodge
from bordercase.cases.services.people import person_create
from bordercase.cases.services.requests import request_create
from bordercase.cases.services.rounds import settings_today
from bordercase.cases.services.transitions import request_withdraw
from bordercase.cases.services.windows import window_add, window_close
from bordercase.demo import accounts as who
from bordercase.demo.people import TECH_ANSWERS, TECH_BELOW_THRESHOLD
from bordercase.demo.travel import travel_lodge_as_worker
from bordercase.immigration.services.invitations import invitation_issue, invitations_expire, invitations_issue
from bordercase.immigration.services.recommendations import batch_send
from bordercase.immigration.services.visas import visa_decline, visa_grant

TECH = "tech-specialists-2022"
# A real drand quicknet round (chain 52db9ba7…e971): its randomness, SHA-256 of the signature the League of Entropy
# published for round 657413, as recorded in the drand test data. Anyone can fetch it again from a drand relay.
PUBLIC_VALUE = "fc1873a13f3545aeade8401532ef5519920652eee6b0d2b19ca12643b87b3587"
DECLARATION = ("The randomness of drand quicknet round 657413 (chain 52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661"
               "792ba94600c84e971), published by the League of Entropy after this round is published.")
OVER_SUBSCRIBED_BY = 3  # entries beyond the places: the waitlist the first places given up are passed down


@dataclass
class TechWorld:
    """What the tech class's demo made, for the demo to print and its test to check."""

    requests: int = 0
    travel_link_token: str = ""  # the invited worker's single-use link, for someone to walk the request to travel
    round_two_pool: list[Request] = field(default_factory=list)


def found_eligible(request: Request, assessor: User) -> Request:
    """Claimed, every criterion found as the rules found it (or met on the evidence), and found eligible."""
    assessment.request_claim(request=request, by=assessor)
    found = {r.id: ("met", "" if r.outcome == "met" else "Met on the evidence supplied.")
             for r in assessment.rules_of(request)}
    assessment.findings_record(request=request, by=assessor, found=found)
    return assessment.request_decide(request=request, by=assessor, decision="recommend",
                                     text="Every mandatory criterion is met.")


def decline_proposed(request: Request, assessor: User) -> Request:
    """Claimed, the rules' findings confirmed, and a decline proposed: it waits for a second assessor."""
    assessment.request_claim(request=request, by=assessor)
    rules = assessment.rules_of(request)
    assessment.findings_record(request=request, by=assessor, found={r.id: (r.outcome, "") for r in rules})
    not_met = [r.id for r in rules if r.outcome == "not_met"]
    return assessment.request_decide(request=request, by=assessor, decision="decline", reasons=not_met,
                                     text="The salary offered is below the threshold for the role.")


class _Nominations:
    """Lodging nominations under the tech class for one employer, alternating between NZTech and IT Professionals NZ."""

    def __init__(self, users: dict[str, User], employer: str, organisation: Organisation, workers: Iterator[Person]):
        self.scheme = Scheme.objects.get(code=TECH)
        self.employer, self.organisation, self.workers = users[employer], organisation, workers
        nztech, itpnz = organisation_by_code("nztech"), organisation_by_code("itpnz")
        self.bodies = cycle([(nztech, users[who.NZTECH], users[who.NZTECH_SECOND]),
                             (itpnz, users[who.ITPNZ], users[who.ITPNZ_SECOND])])
        self.answers = cycle(TECH_ANSWERS)
        self.made = 0

    def draft(self, answers: dict[str, object] | None = None, nominee: Person | None = None
              ) -> tuple[Request, User, User]:
        body, assessor, second = next(self.bodies)
        self.made += 1
        return request_create(by=self.employer, scheme=self.scheme, organisation=self.organisation,
                              nominee=nominee or next(self.workers), assessing_body=body,
                              answers=answers or next(self.answers)), assessor, second

    def lodged(self, answers: dict[str, object] | None = None) -> tuple[Request, User, User]:
        request, assessor, second = self.draft(answers)
        return request_lodge(request=request, by=self.employer), assessor, second

    def eligible(self) -> Request:
        request, assessor, _ = self.lodged()
        return found_eligible(request, assessor)


def _assessor_of(users: dict[str, User], request: Request) -> User:
    return users[who.NZTECH if request.assessing_body and request.assessing_body.code == "nztech" else who.ITPNZ]


def _recommend(users: dict[str, User], requests: list[Request]) -> None:
    """Each assessing body sends its nominations to Immigration NZ in one batch."""
    for body in {r.assessing_body for r in requests if r.assessing_body}:
        mine = [r for r in requests if r.assessing_body == body]
        batch_send(scheme=mine[0].scheme, body=body, requests=mine, by=_assessor_of(users, mine[0]))


def _fresh(request: Request) -> Request:
    return Request.objects.select_related("scheme", "nominee", "organisation", "assessing_body").get(pk=request.pk)


def tech_load(users: dict[str, User], named: Iterator[Person], crowd: Iterator[Person]) -> TechWorld:
    world = TechWorld()
    scheme = Scheme.objects.get(code=TECH)
    admin, officer, kowhai_employer = users[who.ADMINISTRATOR], users[who.OFFICER], users[who.KOWHAI]
    now = timezone.now()
    window_add(scheme=scheme, opens_at=now - timedelta(days=56), closes_at=now + timedelta(days=14), by=admin,
               reason="The first intake of the tech class exception.")
    kowhai = _Nominations(users, who.KOWHAI, Organisation.objects.get(nzbn=who.KOWHAI_NZBN), named)
    tui = _Nominations(users, who.TUI, Organisation.objects.get(nzbn=who.TUI_NZBN), crowd)

    # Kōwhai Software's nominations, one at each step an assessor reaches before any place is allocated.
    kowhai.draft()
    kowhai.lodged()
    asked, assessor, _ = kowhai.lodged()
    assessment.request_claim(request=asked, by=assessor)
    assessment.information_request(request=asked, by=assessor, text="Please upload the signed employment "
                                   "agreement: the one attached is unsigned.")
    declined, assessor, second = kowhai.lodged(TECH_BELOW_THRESHOLD)
    assessment.decline_confirm(request=decline_proposed(declined, assessor), by=second)
    # A decline proposed and waiting for a second assessor, as a body's queue shows one.
    proposed, assessor, _ = kowhai.lodged(TECH_BELOW_THRESHOLD)
    decline_proposed(proposed, assessor)
    withdrawn, _, _ = kowhai.lodged()
    request_withdraw(request=withdrawn, by=kowhai_employer, reason="The worker accepted another offer.")
    still_assessed = []
    for _ in range(3):
        request, assessor, _ = kowhai.lodged()
        assessment.request_claim(request=request, by=assessor)
        still_assessed.append((request, assessor))

    # The pool of round 1: eight of Kōwhai's (one for Ravi Kumar, who has an account) and Tūī Digital's many, more
    # than the places, so the round is drawn and some wait on the waitlist.
    pool_kowhai = [kowhai.eligible() for _ in range(7)]
    ravis, assessor, _ = kowhai.draft(nominee=person_create(
        given_names="Ravi", family_name="Kumar", date_of_birth=date(1988, 4, 12), nationality="IND",
        passport_number="Z4817263", email=who.WORKER))
    ravis = found_eligible(request_lodge(request=ravis, by=kowhai_employer), assessor)
    places = settings_today(scheme).places
    for _ in range(places + OVER_SUBSCRIBED_BY - len(pool_kowhai) - 1):
        tui.eligible()

    window_close(scheme=scheme, by=admin, reason=f"More nominations than the {places} places: intake closes so "
                 "the pool can be frozen and drawn.")
    opened = allocation.round_open(scheme=scheme, by=admin, protocol=AllocationRound.Protocol.V1)
    frozen = allocation.round_freeze(round_=opened, by=admin)
    published = allocation.round_publish(round_=frozen, by=admin, declaration=DECLARATION)
    allocation.round_draw(round_=published.round, by=admin, secret=published.secret, public_value=PUBLIC_VALUE)

    # Two of Tūī Digital's roles are filled at home: their places go down the waitlist.
    for request in Request.objects.filter(organisation=tui.organisation, status=State.ALLOCATED).order_by("pk")[:2]:
        request_withdraw(request=request, by=users[who.TUI], reason="The role was filled by a New Zealander.")

    # One of Kōwhai's is recommended and invited, and its worker's visa declined: the last on the waitlist gets it.
    refused = next(_fresh(r) for r in pool_kowhai if _fresh(r).status == State.ALLOCATED)
    _recommend(users, [refused])
    invitation = invitation_issue(request=_fresh(refused), by=officer)
    travel_lodge_as_worker(_fresh(refused), invitation.token, password=secrets.token_urlsafe(16))
    visa_decline(request=_fresh(refused), by=officer, reasons="The managed-isolation voucher given is for a date "
                 "before the travel date; a request to travel needs a voucher for the arrival.")

    # The rest of Kōwhai's round-1 nominations, each a step further on.
    # The first of them stays allocated, waiting to be recommended.
    _, recommended, invited, travelling, lapsing, leaving = [
        _fresh(r) for r in pool_kowhai if r.pk != refused.pk]
    _recommend(users, [recommended, invited, travelling, lapsing, leaving, _fresh(ravis)])
    lapse_invitation = invitation_issue(request=_fresh(lapsing), by=officer)
    invitations_expire(now=lapse_invitation.expires_at + timedelta(seconds=1))
    issued = {i.request_id: i for i in invitations_issue(requests=[_fresh(invited), _fresh(travelling),
                                                                  _fresh(ravis)], by=officer)}
    world.travel_link_token = issued[invited.pk].token
    travel_lodge_as_worker(_fresh(travelling), issued[travelling.pk].token, password=secrets.token_urlsafe(16))
    travel_lodge_as_worker(_fresh(ravis), issued[ravis.pk].token, user=users[who.WORKER], with_family=True)
    visa_grant(request=_fresh(ravis), by=officer, valid_until=timezone.localdate() + timedelta(days=365),
               conditions="Work only for Kōwhai Software Limited as a senior software engineer.")
    request_withdraw(request=_fresh(leaving), by=kowhai_employer, reason="The worker's start date moved a year out.")

    # Round 2: three more found eligible after round 1 froze, for the places given up; the round is open, for the
    # administrator to freeze, publish and draw. Both rounds are v1 (a public value named in words): a v2 round is
    # drawn only with a drand round due after its publication, which a demo made now, offline, cannot have.
    world.round_two_pool = [found_eligible(request, assessor) for request, assessor in still_assessed]
    allocation.round_open(scheme=scheme, by=admin, protocol=AllocationRound.Protocol.V1)
    window_add(scheme=scheme, opens_at=now + timedelta(days=21), closes_at=now + timedelta(days=63), by=admin,
               reason="The second intake, for places given up after round 2.")
    world.requests = kowhai.made + tui.made
    return world
