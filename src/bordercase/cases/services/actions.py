"""The transitions anyone may ask for by name (the API's generic route), each through its owning action; and, for
the rest, where they are made instead.

The rule of who may make what stays with the lifecycle and the actions: this only says which actions can be asked
for by a bare name and a reason, because they need nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

from bordercase.accounts.models import User
from bordercase.cases.models import Request
from bordercase.cases.services import assessment
from bordercase.cases.services.lodging import request_lodge
from bordercase.cases.services.transitions import request_lapse, request_withdraw
from bordercase.lib.errors import Refused

Action = Callable[[Request, User, str], Request]

BY_NAME: dict[str, Action] = {
    "lodge": lambda request, by, reason: request_lodge(request=request, by=by, reason=reason),
    "start_assessment": lambda request, by, reason: assessment.assessment_start(request=request, by=by, reason=reason),
    "request_information": lambda request, by, reason: assessment.information_request(request=request, by=by,
                                                                                        text=reason),
    "provide_information": lambda request, by, reason: assessment.information_provide(request=request, by=by,
                                                                                        text=reason),
    "withdraw": lambda request, by, reason: request_withdraw(request=request, by=by, reason=reason),
    "lapse": lambda request, by, reason: request_lapse(request=request, by=by, reason=reason),
}

_DECISION = ("through POST /api/v1/requests/{reference}/assessment/decision, which keeps each criterion's finding, "
             "the reasons and any second assessor the scheme needs")
# Each of these makes records of its own or sends letters, so asking for it by name alone would skip them: a
# worker invited with no link, a visa decided with no letter, a place given with no draw.
ELSEWHERE: dict[str, str] = {
    "decline": f"declined {_DECISION}",
    "find_eligible": f"found eligible {_DECISION}",
    "recommend": "recommended to Immigration NZ in a batch, through POST /api/v1/recommendation-batches, which "
                 "keeps the export Immigration NZ receives",
    "invite": "invited to apply through POST /api/v1/requests/{reference}/invitation (or POST /api/v1/invitations "
              "for several), which makes the worker's link and sends the letters",
    "grant_visa": "granted a visa through POST /api/v1/requests/{reference}/visa-decision, which records the "
                  "decision and sends the letters",
    "decline_visa": "declined a visa through POST /api/v1/requests/{reference}/visa-decision, which records the "
                    "decision and sends the letters",
    "allocate": "allocated a place only by an allocation round (the /api/v1/allocation routes), whose published "
                "draw and caps decide who gets one",
    "waitlist": "waitlisted only by an allocation round (the /api/v1/allocation routes)",
    "promote": "promoted from the waitlist only when a place is released, by the round's reallocation",
    "request_travel": "lodged as a request to travel by the worker, on the pages their invitation's link opens, "
                      "which keep their passport, family and managed-isolation booking",
}


def action_by_name(name: str) -> Action | None:
    """The action for this transition's name, or Refused saying where it is made; None for no transition at all."""
    if name in ELSEWHERE:
        raise Refused(f"A request is {ELSEWHERE[name]}. Use that route instead.")
    return BY_NAME.get(name)
