"""The lifecycle of a request: its states, the transitions between them, and who may make each.

Pure Python with no Django, so the rules can be read, tested and drawn on their own. The
service layer (cases.services.transitions) applies them to stored requests.

A scheme switches steps on or off: a capped scheme uses ``allocation`` (a ballot or queue
for places), and a scheme assessed by an industry body uses ``recommendation`` (Immigration
NZ invites only those the body recommends). A transition may take a different route
depending on which steps its scheme uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    LODGED = "lodged"
    IN_ASSESSMENT = "in_assessment"
    INFO_REQUESTED = "info_requested"
    DECLINED = "declined"
    ELIGIBLE = "eligible"
    ALLOCATED = "allocated"
    WAITLISTED = "waitlisted"
    RECOMMENDED = "recommended"
    INVITED = "invited"
    TRAVEL_REQUESTED = "travel_requested"
    VISA_GRANTED = "visa_granted"
    VISA_DECLINED = "visa_declined"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: dict[State, str] = {
    State.DRAFT: "Draft",
    State.LODGED: "Lodged",
    State.IN_ASSESSMENT: "In assessment",
    State.INFO_REQUESTED: "Information requested",
    State.DECLINED: "Declined",
    State.ELIGIBLE: "Eligible",
    State.ALLOCATED: "Place allocated",
    State.WAITLISTED: "Waitlisted",
    State.RECOMMENDED: "Recommended to Immigration NZ",
    State.INVITED: "Invited to apply",
    State.TRAVEL_REQUESTED: "Request to travel lodged",
    State.VISA_GRANTED: "Visa granted",
    State.VISA_DECLINED: "Visa declined",
    State.WITHDRAWN: "Withdrawn",
    State.LAPSED: "Lapsed",
}

FINAL_STATES = frozenset({State.DECLINED, State.VISA_GRANTED, State.VISA_DECLINED, State.WITHDRAWN, State.LAPSED})


class Party(StrEnum):
    """Who stands in what relation to one request; a person may hold several at once."""

    APPLICANT = "applicant"  # the employer's staff, or the individual who lodged it
    NOMINEE = "nominee"  # the worker, once they have an account
    ASSESSOR = "assessor"  # an assessor at the request's assessing body
    INZ_OFFICER = "inz_officer"
    ADMINISTRATOR = "administrator"  # a scheme administrator
    SYSTEM = "system"  # bordercase itself: timers, the ballot run, imports


PARTY_LABELS: dict[Party, str] = {
    Party.APPLICANT: "the applicant",
    Party.NOMINEE: "the nominated worker",
    Party.ASSESSOR: "an assessor at the assessing body",
    Party.INZ_OFFICER: "an Immigration NZ officer",
    Party.ADMINISTRATOR: "a scheme administrator",
    Party.SYSTEM: "bordercase itself",
}


class Step(StrEnum):
    ALLOCATION = "allocation"
    RECOMMENDATION = "recommendation"


@dataclass(frozen=True)
class Route:
    """From these states, for a scheme that uses ``needs`` and none of ``without``."""

    sources: frozenset[State]
    needs: frozenset[Step] = frozenset()
    without: frozenset[Step] = frozenset()

    def applies_to(self, steps: frozenset[Step]) -> bool:
        return self.needs <= steps and not (self.without & steps)


@dataclass(frozen=True)
class Transition:
    name: str
    verb: str  # completes "cannot …": "be lodged"
    done: str  # the event's title in a history: "Lodged"
    target: State
    routes: tuple[Route, ...]
    parties: frozenset[Party]
    reason_required: bool = False
    reason_hint: str = field(default="", compare=False)

    def sources(self, steps: Iterable[Step]) -> frozenset[State]:
        steps = frozenset(steps)
        found: set[State] = set()
        for route in self.routes:
            if route.applies_to(steps):
                found |= route.sources
        return frozenset(found)


def _route(*sources: State, needs: Iterable[Step] = (), without: Iterable[Step] = ()) -> Route:
    return Route(frozenset(sources), frozenset(needs), frozenset(without))


S, P = State, Party
_STAFF_WHO_END = frozenset({P.SYSTEM, P.ADMINISTRATOR, P.INZ_OFFICER})

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("lodge", "be lodged", "Lodged", S.LODGED, (_route(S.DRAFT),), frozenset({P.APPLICANT})),
        Transition(
            "start_assessment", "go into assessment", "Assessment started", S.IN_ASSESSMENT,
            (_route(S.LODGED),), frozenset({P.ASSESSOR}),
        ),
        Transition(
            "request_information", "have information requested", "Information requested", S.INFO_REQUESTED,
            (_route(S.IN_ASSESSMENT),), frozenset({P.ASSESSOR}),
            reason_required=True, reason_hint="say what information is needed",
        ),
        Transition(
            "provide_information", "have information provided", "Information provided", S.IN_ASSESSMENT,
            (_route(S.INFO_REQUESTED),), frozenset({P.APPLICANT}),
            reason_required=True, reason_hint="give the information that was asked for",
        ),
        Transition(
            "decline", "be declined", "Declined", S.DECLINED,
            (_route(S.IN_ASSESSMENT),), frozenset({P.ASSESSOR}),
            reason_required=True, reason_hint="give the reasons, so the applicant knows why",
        ),
        Transition(
            "find_eligible", "be found eligible", "Found eligible", S.ELIGIBLE,
            (_route(S.IN_ASSESSMENT),), frozenset({P.ASSESSOR}),
        ),
        Transition(
            "allocate", "be allocated a place", "Place allocated", S.ALLOCATED,
            (_route(S.ELIGIBLE, needs=[Step.ALLOCATION]),), frozenset({P.ADMINISTRATOR, P.SYSTEM}),
        ),
        Transition(
            "waitlist", "be waitlisted", "Waitlisted", S.WAITLISTED,
            (_route(S.ELIGIBLE, needs=[Step.ALLOCATION]),), frozenset({P.ADMINISTRATOR, P.SYSTEM}),
        ),
        Transition(
            "promote", "be promoted from the waitlist", "Promoted from the waitlist", S.ALLOCATED,
            (_route(S.WAITLISTED, needs=[Step.ALLOCATION]),), frozenset({P.ADMINISTRATOR, P.SYSTEM}),
        ),
        Transition(
            "recommend", "be recommended to Immigration NZ", "Recommended to Immigration NZ", S.RECOMMENDED,
            (
                _route(S.ALLOCATED, needs=[Step.RECOMMENDATION, Step.ALLOCATION]),
                _route(S.ELIGIBLE, needs=[Step.RECOMMENDATION], without=[Step.ALLOCATION]),
            ),
            frozenset({P.ASSESSOR, P.ADMINISTRATOR}),
        ),
        Transition(
            "invite", "be invited to apply", "Invited to apply", S.INVITED,
            (
                _route(S.RECOMMENDED, needs=[Step.RECOMMENDATION]),
                _route(S.ALLOCATED, needs=[Step.ALLOCATION], without=[Step.RECOMMENDATION]),
                _route(S.ELIGIBLE, without=[Step.RECOMMENDATION, Step.ALLOCATION]),
            ),
            frozenset({P.INZ_OFFICER}),
        ),
        Transition(
            "request_travel", "have a request to travel lodged", "Request to travel lodged", S.TRAVEL_REQUESTED,
            (_route(S.INVITED),), frozenset({P.NOMINEE, P.APPLICANT}),
        ),
        Transition(
            "grant_visa", "have a visa granted", "Visa granted", S.VISA_GRANTED,
            (_route(S.TRAVEL_REQUESTED),), frozenset({P.INZ_OFFICER}),
        ),
        Transition(
            "decline_visa", "have a visa declined", "Visa declined", S.VISA_DECLINED,
            (_route(S.TRAVEL_REQUESTED),), frozenset({P.INZ_OFFICER}),
            reason_required=True, reason_hint="give the reasons, so the worker knows why",
        ),
        Transition(
            "withdraw", "be withdrawn", "Withdrawn", S.WITHDRAWN,
            (
                _route(
                    S.LODGED, S.IN_ASSESSMENT, S.INFO_REQUESTED, S.ELIGIBLE, S.RECOMMENDED,
                    S.INVITED, S.TRAVEL_REQUESTED,
                ),
                _route(S.ALLOCATED, S.WAITLISTED, needs=[Step.ALLOCATION]),
            ),
            frozenset({P.APPLICANT}),
        ),
        Transition(
            "lapse", "lapse", "Lapsed", S.LAPSED,
            (
                _route(S.INFO_REQUESTED, S.ELIGIBLE, S.RECOMMENDED, S.INVITED),
                _route(S.ALLOCATED, S.WAITLISTED, needs=[Step.ALLOCATION]),
            ),
            _STAFF_WHO_END,
            reason_required=True, reason_hint="say what lapsed, for example the invitation's expiry",
        ),
    )
}

class EventKind(StrEnum):
    """What a request's history records besides its transitions: work on it that does not move it on."""

    CREATE = "create"  # opens every request's history; not a transition anyone can ask for
    CLAIM = "claim"
    ASSIGN = "assign"
    CRITERION_FINDING = "criterion_finding"
    OCCUPATION_FINDING = "occupation_finding"
    DECLINE_PROPOSED = "decline_proposed"
    DECLINE_SENT_BACK = "decline_sent_back"
    ENTER_ROUND = "enter_round"
    CORRECTION_ASKED = "correction_asked"  # the Privacy Act's IPP 7: the person asks for their information corrected
    CORRECTION_ANSWERED = "correction_answered"
    RETENTION_REDUCED = "retention_reduced"  # IPP 9: personal details removed under the retention schedule


@dataclass(frozen=True)
class EventInfo:
    title: str  # how a history names it
    applicants_see: bool  # the applicant and the worker read it in their history; staff read every event


EVENTS: dict[EventKind, EventInfo] = {
    EventKind.CREATE: EventInfo("Started as a draft", True),
    EventKind.CLAIM: EventInfo("Claimed by an assessor", False),
    EventKind.ASSIGN: EventInfo("Assigned", False),
    EventKind.CRITERION_FINDING: EventInfo("Criterion assessed", False),
    EventKind.OCCUPATION_FINDING: EventInfo("Occupation found by the assessor", False),
    EventKind.DECLINE_PROPOSED: EventInfo("Decline proposed, for a second assessor", False),
    EventKind.DECLINE_SENT_BACK: EventInfo("Decline sent back by the second assessor", False),
    EventKind.ENTER_ROUND: EventInfo("Entered in an allocation round", True),
    EventKind.CORRECTION_ASKED: EventInfo("Correction of personal information asked for", True),
    EventKind.CORRECTION_ANSWERED: EventInfo("Correction request answered", True),
    EventKind.RETENTION_REDUCED: EventInfo("Personal details removed under the retention schedule", True),
}
CREATED = EventKind.CREATE
# Events an applicant does not read: the assessors' own working.
STAFF_ONLY_EVENTS = tuple(kind.value for kind, info in EVENTS.items() if not info.applicants_see)


def recorded(name: str) -> bool:
    """Whether a history may record an event by this name: a transition, or a declared kind of event."""
    return name in TRANSITIONS or name in EventKind.__members__.values()


def event_title(name: str) -> str:
    """How a history names an event: a transition's past tense, or a declared kind's title."""
    if name in TRANSITIONS:
        return TRANSITIONS[name].done
    if name in EventKind.__members__.values():
        return EVENTS[EventKind(name)].title
    return name.replace("_", " ").capitalize()


_SERVICES = "bordercase.cases.services"
_IMMIGRATION = "bordercase.immigration.services"
# The one action that alone may make each transition: it does the transition's whole work (the records, letters
# and places that go with it). tests/test_transition_owners.py fails if any other code names a transition.
OWNERS: dict[str, str] = {
    "lodge": f"{_SERVICES}.lodging.request_lodge",
    "start_assessment": f"{_SERVICES}.assessment.assessment_start",
    "request_information": f"{_SERVICES}.assessment.information_request",
    "provide_information": f"{_SERVICES}.assessment.information_provide",
    "decline": f"{_SERVICES}.assessment._decline",
    "find_eligible": f"{_SERVICES}.assessment.request_decide",
    "allocate": f"{_SERVICES}.allocation._place",
    "waitlist": f"{_SERVICES}.allocation._place",
    "promote": f"{_SERVICES}.reallocation.reallocate",
    "recommend": f"{_IMMIGRATION}.recommendations.batch_send",
    "invite": f"{_IMMIGRATION}.invitations._issue",
    "request_travel": f"{_IMMIGRATION}.travel.travel_lodge",
    "grant_visa": f"{_IMMIGRATION}.visas._decide",
    "decline_visa": f"{_IMMIGRATION}.visas._decide",
    "withdraw": f"{_SERVICES}.transitions.request_withdraw",
    "lapse": f"{_SERVICES}.transitions.request_lapse",
}


class LifecycleError(Exception):
    """A transition was refused; the message says why and what to do next."""


class IllegalTransition(LifecycleError):
    def __init__(self, *, reference: str, state: State, transition: Transition, steps: Iterable[Step]) -> None:
        self.reference, self.state, self.transition = reference, state, transition
        sources = sorted(s.value for s in transition.sources(steps))
        if sources:
            allowed = f"only a request that is {' or '.join(sources)} can {transition.verb}"
        else:
            allowed = f"its scheme does not use the {transition.name} step"
        super().__init__(
            f"Request {reference} is {state.value}, so it cannot {transition.verb} "
            f"({transition.name}): {allowed}. Reload the request to see its current state."
        )


class NotPermitted(LifecycleError):
    def __init__(self, *, reference: str, transition: Transition) -> None:
        self.reference, self.transition = reference, transition
        who = " or ".join(PARTY_LABELS[p] for p in sorted(transition.parties - {P.SYSTEM}))
        super().__init__(
            f"You cannot make request {reference} {transition.verb} ({transition.name}): "
            f"only {who or 'bordercase itself'} can. Ask them to do it."
        )


class ReasonRequired(LifecycleError):
    def __init__(self, *, transition: Transition) -> None:
        self.transition = transition
        super().__init__(f"A reason is required to {transition.name.replace('_', ' ')}: {transition.reason_hint}.")


def check(
    *, reference: str, state: State, transition_name: str, parties: Iterable[Party],
    steps: Iterable[Step], reason: str,
) -> Transition:
    """Return the transition if these parties may make it now, or raise saying why not.

    Permission is checked before state, so someone who may never make a transition is told
    that rather than being told about the request's state.
    """
    transition = TRANSITIONS.get(transition_name)
    if transition is None:
        known = ", ".join(sorted(TRANSITIONS))
        raise LifecycleError(f"There is no transition called {transition_name!r}. Use one of: {known}.")
    if not (transition.parties & frozenset(parties)):
        raise NotPermitted(reference=reference, transition=transition)
    steps = frozenset(steps)
    if state not in transition.sources(steps):
        raise IllegalTransition(reference=reference, state=state, transition=transition, steps=steps)
    if transition.reason_required and not reason.strip():
        raise ReasonRequired(transition=transition)
    return transition


def available(*, state: State, parties: Iterable[Party], steps: Iterable[Step]) -> list[Transition]:
    """The transitions these parties could make now, in the order of the lifecycle."""
    parties, steps = frozenset(parties), frozenset(steps)
    return [t for t in TRANSITIONS.values() if t.parties & parties and state in t.sources(steps)]
