"""An assessing body's queue: which requests it holds, how long each has waited, and what to warn about.

Each assessor sees only the requests lodged with the bodies they assess for, through ``cases.access``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.accounts.roles import roles_of
from bordercase.cases import access
from bordercase.cases.lifecycle import State
from bordercase.cases.models import DeclineProposal, Evaluation, Event, Request
from bordercase.cases.services.assessment import target_working_days
from bordercase.cases.services.evaluations import evaluation_latest, policy_of
from bordercase.cases.services.workers import same_worker_requests
from bordercase.policy.answers import InvalidAnswers
from bordercase.workdays import Clock, Pause, clock

OPEN_STATES = (State.LODGED.value, State.IN_ASSESSMENT.value, State.INFO_REQUESTED.value)
# The transitions that end an assessment, so the clock stops at the first of them.
_DECIDING = ("decline", "find_eligible", "withdraw", "lapse")
_PAUSING, _RESUMING = "request_information", "provide_information"

SORTS = {
    "oldest": "Lodged, oldest first",
    "newest": "Lodged, newest first",
    "waited": "Working days waited, most first",
    "reference": "Reference",
}


@dataclass(frozen=True)
class QueueFilter:
    """What an assessor chose to see; empty values mean everything."""

    scheme: str = ""
    status: str = "open"  # "open" (not yet decided), "" (everything) or one state
    outcome: str = ""  # the rules' pre-assessment: eligible, ineligible or needs_review
    assignee: str = ""  # "me", "nobody" or a user id
    overdue: bool = False
    waited_at_least: int = 0  # working days
    sort: str = "oldest"


def queue_of(user: User) -> QuerySet[Request]:
    """Every lodged request at the bodies this user assesses for, with the rules' latest outcome annotated, and
    whether a decline waits for a second assessor (who must be able to find it)."""
    roles = roles_of(user)
    latest = Evaluation.objects.filter(request=OuterRef("pk")).order_by("-created_at", "-pk").values("outcome")[:1]
    return (access.visible_requests(user).filter(assessing_body_id__in=roles.assessor_at)
            .exclude(status=State.DRAFT.value).select_related("assignee")
            .annotate(pre_assessment=Subquery(latest),
                      decline_pending=Exists(DeclineProposal.objects.filter(
                          request=OuterRef("pk"), status=DeclineProposal.Status.PENDING))))


def is_assessor(user: User) -> bool:
    return bool(roles_of(user).assessor_at)


def clocks_of(requests: Sequence[Request], now: dt.datetime | None = None) -> dict[int, Clock]:
    """Each request's clock, from its information requests and answers, in one query for them all."""
    now = now or timezone.now()
    events: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    rows = (Event.objects.filter(request_id__in=[r.pk for r in requests],
                                 transition__in=(_PAUSING, _RESUMING, *_DECIDING))
            .order_by("request_id", "position").values_list("request_id", "transition", "at"))
    for request_id, transition, at in rows:
        events[request_id].append((transition, at))
    return {r.pk: _clock(r, r.lodged_at, events[r.pk], now) for r in requests if r.lodged_at is not None}


def _clock(request: Request, lodged_at: dt.datetime, events: Iterable[tuple[str, dt.datetime]],
           now: dt.datetime) -> Clock:
    pauses: list[Pause] = []
    decided_at = None
    for transition, at in events:
        if transition == _PAUSING:
            pauses.append(Pause(at))
        elif transition == _RESUMING and pauses and pauses[-1].until is None:
            pauses[-1] = Pause(pauses[-1].since, at)
        elif transition in _DECIDING and decided_at is None:
            decided_at = at
    return clock(lodged_at=lodged_at, now=now, pauses=pauses, target=target_working_days(request),
                 decided_at=decided_at)


def clock_of(request: Request, now: dt.datetime | None = None) -> Clock | None:
    return clocks_of([request], now).get(request.pk)


def queue_filtered(user: User, chosen: QueueFilter,
                   now: dt.datetime | None = None) -> list[tuple[Request, Clock | None]]:
    """The queue as the assessor filtered and sorted it, each request with its clock.

    Age and overdue are worked out in Python (working days depend on holidays and pauses), so they are applied
    after the database has narrowed the queue by scheme, status, outcome and assignee.
    """
    found = queue_of(user)
    if chosen.scheme:
        found = found.filter(scheme__code=chosen.scheme)
    if chosen.status == "open":
        found = found.filter(status__in=OPEN_STATES)
    elif chosen.status:
        found = found.filter(status=chosen.status)
    if chosen.outcome:
        found = found.filter(pre_assessment=chosen.outcome)
    if chosen.assignee == "me":
        found = found.filter(assignee=user)
    elif chosen.assignee == "nobody":
        found = found.filter(assignee__isnull=True)
    elif chosen.assignee.isdigit():
        found = found.filter(assignee_id=int(chosen.assignee))
    order = {"newest": ("-lodged_at", "-pk"), "reference": ("reference",)}.get(chosen.sort, ("lodged_at", "pk"))
    requests = list(found.order_by(*order))
    clocks = clocks_of(requests, now)
    rows = [(r, clocks.get(r.pk)) for r in requests]
    if chosen.overdue:
        rows = [(r, c) for r, c in rows if c is not None and c.overdue]
    if chosen.waited_at_least:
        rows = [(r, c) for r, c in rows if c is not None and c.waited >= chosen.waited_at_least]
    if chosen.sort == "waited":
        rows.sort(key=lambda row: -(row[1].waited if row[1] else 0))
    return rows


@dataclass(frozen=True)
class Warning:
    kind: str
    message: str


def warnings_of(request: Request) -> list[Warning]:
    """What an assessor should know before deciding: the same worker nominated elsewhere, stale rules' findings."""
    found: list[Warning] = []
    others = same_worker_requests(request).count()
    if others:
        found.append(Warning("same_worker", f"This worker is also nominated in {others} other request"
                                            f"{'s' if others != 1 else ''} under {request.scheme.title}. They count "
                                            "once in any ballot; check the employers' accounts agree."))
    evaluation = evaluation_latest(request)
    policy = policy_of(request.scheme)
    if evaluation is not None and policy is not None and _without_date(evaluation.answers) != _without_date(
            request.answers):
        try:
            now = policy.evaluate(policy.check(request.answers), evaluation.as_at)
        except InvalidAnswers:
            found.append(Warning("answers_changed", "The answers were edited after lodging and no longer pass the "
                                                    "scheme's checks: ask the applicant to correct them."))
        else:
            differ = [c.id for c, old in zip(now.criteria, evaluation.criteria, strict=False)
                      if c.outcome.value != old["outcome"]]
            if differ or now.outcome.value != evaluation.outcome:
                names = ", ".join(d.replace("_", " ") for d in differ) or "the outcome"
                found.append(Warning("pre_assessment_stale",
                                     f"The answers were edited after lodging, and the rules now find otherwise on "
                                     f"{names} (now {now.outcome.value.replace('_', ' ')}, at lodging "
                                     f"{evaluation.outcome.replace('_', ' ')}). Assess against the current answers."))
    return found


def _without_date(answers: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in answers.items() if k != "lodged_on"}
