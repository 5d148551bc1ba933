"""An assessing body's queue: which requests it holds, how long each has waited, and what to warn about.

Each assessor sees only the requests lodged with the bodies they assess for, through ``cases.access``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.accounts.roles import roles_of
from bordercase.cases import access
from bordercase.cases.lifecycle import State
from bordercase.cases.models import DeclineProposal, Evaluation, Request
from bordercase.cases.services.assessment import target_working_days
from bordercase.cases.services.evaluations import evaluation_latest, policy_of
from bordercase.cases.services.occupations import for_rules
from bordercase.cases.services.workers import same_worker_requests
from bordercase.policy.answers import InvalidAnswers
from bordercase.policy.anzsco import OCCUPATION_FOUND
from bordercase.workdays import Clock, nz_date, working_day_number

OPEN_STATES = (State.LODGED.value, State.IN_ASSESSMENT.value, State.INFO_REQUESTED.value)

# The most working days a filter may ask about: some four hundred years, more than any request can have waited, and
# small enough for every database's integers.
WAITED_LIMIT = 100_000

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
    return (access.assessable_requests(user, roles).select_related("assignee")
            .annotate(pre_assessment=Subquery(latest),
                      decline_pending=Exists(DeclineProposal.objects.filter(
                          request=OuterRef("pk"), status=DeclineProposal.Status.PENDING))))


def is_assessor(user: User) -> bool:
    return bool(roles_of(user).assessor_at)


def _today(now: dt.datetime | None) -> dt.date:
    return nz_date(now or timezone.now())


def clock_of(request: Request, now: dt.datetime | None = None) -> Clock | None:
    """Where the request stands against its target, from the clock its transitions kept; None before lodging."""
    stored = request.stored_clock
    if stored is None:
        return None
    target = request.clock_target if request.clock_target is not None else target_working_days(request)
    return stored.read(today=_today(now), target=target, paused=request.status == State.INFO_REQUESTED.value,
                       stopped=request.status not in OPEN_STATES)


def _overdue(found: QuerySet[Request]) -> QuerySet[Request]:
    return found.filter(status__in=OPEN_STATES, waited__gt=F("clock_target"))


def queue_filtered(user: User, chosen: QueueFilter, now: dt.datetime | None = None) -> QuerySet[Request]:
    """The queue as the assessor filtered and sorted it, each request annotated with the working days it waited.

    The database works out every clock with arithmetic on what each request's transitions kept (see
    ``workdays.StoredClock``), so a page of a queue of any length reads only its own rows.
    """
    today = working_day_number(_today(now))
    found = queue_of(user).annotate(
        waited=Coalesce(F("clock_stop"), Value(today)) - F("clock_start"))
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
    if chosen.overdue:
        found = _overdue(found)
    if chosen.waited_at_least:
        found = found.filter(waited__gte=chosen.waited_at_least)
    order = {"newest": ("-lodged_at", "-pk"), "reference": ("reference",),
             "waited": (F("waited").desc(nulls_last=True), "lodged_at", "pk")}.get(chosen.sort, ("lodged_at", "pk"))
    return found.order_by(*order)


def ids_of(found: QuerySet[Request]) -> QuerySet[Request, int]:
    """The ids of what ``queue_filtered`` found, in its order: what to count and page through, since a database
    pages through narrow rows far faster than through whole requests joined to everything they show."""
    return found.values_list("pk", flat=True)


def rows_of(found: QuerySet[Request], ids: Iterable[int], now: dt.datetime | None = None,
            ) -> list[tuple[Request, Clock | None]]:
    """The requests with these ids, as ``queue_filtered`` found them and in the order of ``ids``, each with its
    clock."""
    ids = list(ids)
    by_id = {r.pk: r for r in found.filter(pk__in=ids)}
    return [(by_id[pk], clock_of(by_id[pk], now)) for pk in ids if pk in by_id]


def overdue_count(found: QuerySet[Request]) -> int:
    """How many of the requests ``queue_filtered`` found are overdue."""
    return _overdue(found).count()


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
            now = policy.evaluate(for_rules(policy.check(request.answers), evaluation.answers.get(OCCUPATION_FOUND)),
                                  evaluation.as_at)
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
    # Neither is the applicant's: bordercase sets the date at lodging, an assessor the occupation found.
    return {k: v for k, v in answers.items() if k not in ("lodged_on", OCCUPATION_FOUND)}
