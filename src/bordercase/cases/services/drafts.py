"""Where a draft stands: what is done, what is missing before it can be lodged, and what the rules think of it.

The web task list and check-your-answers page read these; lodging itself (``request_transition``) enforces
the same blockers, so the pages never promise a lodging the service would refuse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone

from bordercase.cases.models import Request
from bordercase.cases.services.evaluations import policy_of
from bordercase.policy.answers import InvalidAnswers
from bordercase.policy.outcomes import Evaluation
from bordercase.policy.parameters import ParameterNotInForce


class TaskStatus(StrEnum):
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"
    NOT_STARTED = "not_started"
    OPTIONAL = "optional"
    CANNOT_START = "cannot_start"


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    status: TaskStatus


@dataclass(frozen=True)
class Missing:
    """Something that stops a draft being lodged: which task it belongs to and what to do."""

    task: str
    field: str
    message: str


def is_individual(request: Request) -> bool:
    return request.organisation_id is None


def chooses_assessing_body(request: Request) -> bool:
    return request.scheme.assessing_bodies.count() > 1


def _answer_problems(request: Request) -> list[Missing]:
    policy = policy_of(request.scheme)
    if policy is None:
        return []
    answers = {k: v for k, v in request.answers.items() if k != "lodged_on"}
    if "lodged_on" in policy.questions:
        answers["lodged_on"] = timezone.localdate().isoformat()
    try:
        policy.check(answers)
    except InvalidAnswers as exc:
        return [Missing("questions", e.field, _question_message(policy.questions, e.field, e.message))
                for e in exc.errors]
    return []


def _question_message(questions: dict, field: str, message: str) -> str:  # type: ignore[type-arg]
    names = field.split(" or ")
    labels = [questions[n].label if n in questions else n for n in names]
    return f"{' or '.join(labels)}: {message}"


def draft_missing(request: Request) -> list[Missing]:
    """Everything that must be done before the draft can be lodged, in task order."""
    missing: list[Missing] = []
    if request.nominee_id is None:
        who = "your details" if is_individual(request) else "the worker's details"
        missing.append(Missing("person", "nominee", f"Enter {who}"))
    if request.assessing_body_id is None:
        missing.append(Missing("assessing-body", "assessing_body", "Choose who will assess the request"))
    missing.extend(_answer_problems(request))
    return missing


def documents_outstanding(request: Request) -> list[tuple[str, str]]:
    """Required evidence not yet uploaded, as (document id, label).

    Not a blocker: Immigration NZ took requests and asked for missing evidence later, and so does the
    assessor here; the applicant is told on the check-your-answers page.
    """
    policy = policy_of(request.scheme)
    if policy is None:
        return []
    uploaded = set(request.documents.values_list("kind", flat=True))
    return [(d.id, d.label) for d in policy.documents if d.required and d.id not in uploaded]


def draft_tasks(request: Request) -> list[Task]:
    missing = draft_missing(request)
    blocked = {m.task for m in missing}
    tasks = [Task("person", "Your details" if is_individual(request) else "The worker's details",
                  TaskStatus.INCOMPLETE if "person" in blocked else TaskStatus.COMPLETED)]
    if chooses_assessing_body(request):
        tasks.append(Task("assessing-body", "Who will assess the request",
                          TaskStatus.INCOMPLETE if "assessing-body" in blocked else TaskStatus.COMPLETED))
    if "questions" in blocked:
        started = any(k != "lodged_on" for k in request.answers)
        status = TaskStatus.INCOMPLETE if started else TaskStatus.NOT_STARTED
    else:
        status = TaskStatus.COMPLETED
    tasks.append(Task("questions", "Answer the scheme's questions", status))
    has_documents = request.documents.exists()
    if documents_outstanding(request):
        evidence = TaskStatus.INCOMPLETE if has_documents else TaskStatus.NOT_STARTED
    else:
        evidence = TaskStatus.COMPLETED if has_documents else TaskStatus.OPTIONAL
    tasks.append(Task("evidence", "Upload evidence", evidence))
    tasks.append(Task("check", "Check your answers and lodge",
                      TaskStatus.CANNOT_START if missing else TaskStatus.NOT_STARTED))
    return tasks


def draft_pre_assessment(request: Request, today: dt.date | None = None) -> Evaluation | None:
    """The rules' view of the answers so far, as at today; None until the answers are complete and valid."""
    policy = policy_of(request.scheme)
    if policy is None:
        return None
    today = today or timezone.localdate()
    answers = {**request.answers, **({"lodged_on": today.isoformat()} if "lodged_on" in policy.questions else {})}
    try:
        return policy.evaluate(policy.check(answers), today)
    except (InvalidAnswers, ParameterNotInForce):
        return None
