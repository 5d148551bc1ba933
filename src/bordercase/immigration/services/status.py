"""What anyone who may see a request is shown of Immigration NZ's side of it: the journey's milestones, the
invitation to apply, that a request to travel was lodged (and how many family members travel), and the visa
decision.

Never the family's identities or passports: the employer may see the request, and the family is the worker's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, OuterRef, QuerySet, Subquery

from bordercase.cases.lifecycle import State
from bordercase.cases.models import Event, Request
from bordercase.immigration.journey import Journey, journey
from bordercase.immigration.models import Invitation, TravelRequest, VisaDecision


def with_ended_from(requests: QuerySet[Request]) -> QuerySet[Request]:
    """``ended_from`` on each request: the state its latest state change came from (how far a lapse got)."""
    last = (Event.objects.filter(request=OuterRef("pk"), to_state=OuterRef("status"))
            .exclude(from_state=F("to_state")).order_by("-position"))
    return requests.annotate(ended_from=Subquery(last.values("from_state")[:1]))


def journey_of(request: Request) -> Journey:
    if hasattr(request, "ended_from"):
        before = request.ended_from
    else:
        before = (request.events.filter(to_state=request.status).exclude(from_state=F("to_state"))
                  .order_by("-position").values_list("from_state", flat=True).first())
    return journey(request.state, request.scheme.steps, before_end=State(before) if before else None)


@dataclass(frozen=True)
class ImmigrationStatus:
    journey: Journey
    invitation: Invitation | None
    travel_lodged_at: dt.datetime | None
    family_travelling: int
    decision: VisaDecision | None


def status_of(request: Request) -> ImmigrationStatus:
    invitation = request.invitations.order_by("-issued_at", "-pk").first()
    # The lifecycle's event says the request to travel was lodged; the worker's draft of it is theirs until then.
    lodged = request.events.filter(transition="request_travel").order_by("-position").first()
    travel = TravelRequest.objects.filter(request=request).first() if lodged else None
    return ImmigrationStatus(
        journey=journey_of(request), invitation=invitation, travel_lodged_at=lodged.at if lodged else None,
        family_travelling=travel.family.count() if travel else 0,
        decision=VisaDecision.objects.filter(request=request).first())
