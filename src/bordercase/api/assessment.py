"""API routes for assessing bodies' own systems: the queue, claiming and assigning, findings, decisions and
information requests; and the applicant's answer. Each finds the request through access and calls one service.

Every assessment route answers 404 to anyone who is not an assessor at the request's body, as the pages do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from bordercase.accounts.models import User
from bordercase.accounts.roles import Role, require_role, roles_of
from bordercase.api.auth import caller
from bordercase.api.requests import ERRORS, request_out
from bordercase.api.schemas import MAX_OFFSET, RequestOut
from bordercase.cases import access
from bordercase.cases.access import request_get
from bordercase.cases.lifecycle import Party
from bordercase.cases.models import Request
from bordercase.cases.services import assessment, queue
from bordercase.cases.services.evaluations import evaluation_latest
from bordercase.lib.errors import InvalidInput
from bordercase.privacy import reads
from bordercase.workdays import Clock

router = Router(tags=["assessment"])


class ClockOut(Schema):
    working_days: int = Field(description="Working days with the assessor since lodging (NZ holidays excluded).")
    target: int
    overdue: bool
    paused: bool = Field(description="Waiting for the applicant to answer an information request.")
    stopped: bool = Field(description="Decided: the clock no longer runs.")


class QueueItemOut(Schema):
    reference: str
    scheme: str
    status: str
    pre_assessment: str | None
    assignee: str | None = Field(description="The assigned assessor's email address.")
    lodged_at: dt.datetime | None
    clock: ClockOut | None


class QueueOut(Schema):
    count: int
    items: list[QueueItemOut]


class QueueQuery(Schema):
    scheme: str = ""
    status: str = Field("open", description="open (not yet decided), a state, or empty for every state.")
    outcome: str = Field("", description="The rules' pre-assessment: eligible, ineligible or needs_review.")
    assignee: str = Field("", description="me, nobody, or an assessor's email address.")
    overdue: bool = False
    waited_at_least: int = Field(0, ge=0, le=queue.WAITED_LIMIT,
                                 description="Only requests that have waited this many working days.")
    sort: str = Field("oldest", description="oldest, newest, waited or reference.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class FindingOut(Schema):
    outcome: str
    kind: str = Field(description="confirmed, resolved (the rules needed review) or overridden.")
    note: str


class CriterionAssessmentOut(Schema):
    id: str
    mandatory: bool
    rule_outcome: str
    rule_reason: str
    finding: FindingOut | None


class WarningOut(Schema):
    kind: str
    message: str


class AssessmentOut(Schema):
    request: RequestOut
    clock: ClockOut | None
    assignee: str | None
    criteria: list[CriterionAssessmentOut]
    warnings: list[WarningOut]
    pending_decline: str | None = Field(description="The reasons of a decline waiting for a second assessor.")
    answer: str | None = Field(description="The applicant's latest answer to an information request.")


class AssignIn(Schema):
    assignee: str | None = Field(description="An assessor's email address at the request's body; null for nobody.")


class BulkAssignIn(AssignIn):
    references: list[str]


class FindingIn(Schema):
    outcome: str = Field(description="met or not_met.")
    note: str = ""


class FindingsIn(Schema):
    findings: dict[str, FindingIn]


class DecisionIn(Schema):
    decision: str = Field(description="recommend (found eligible) or decline.")
    reasons: list[str] = Field([], description="Criteria found not met, given as reasons to decline.")
    text: str = ""


class NoteIn(Schema):
    note: str = ""


class TextIn(Schema):
    text: str


class AnswerIn(Schema):
    text: str
    answers: dict[str, object] | None = Field(None, description="Corrected answers, merged into the lodged ones.")


def _clock_out(clock: Clock | None) -> ClockOut | None:
    if clock is None:
        return None
    return ClockOut(working_days=clock.waited, target=clock.target, overdue=clock.overdue, paused=clock.paused,
                    stopped=clock.stopped)


def _queue_item(found: Request, clock: Clock | None, pre_assessment: str | None) -> QueueItemOut:
    return QueueItemOut(
        reference=found.reference, scheme=found.scheme.code, status=found.status, pre_assessment=pre_assessment,
        assignee=found.assignee.email if found.assignee else None, lodged_at=found.lodged_at, clock=_clock_out(clock))


def _assessed(user: User, reference: str) -> Request:
    found = request_get(user, reference)
    if Party.ASSESSOR not in access.parties(user, found):
        raise Http404(f"No request {found.reference} that you can see. Check the reference.")
    return found


def _assessor_by_email(email: str | None, among: Iterable[User]) -> User | None:
    """The assessor with this address among those who could be chosen; no one else is found, or named."""
    if email is None:
        return None
    wanted = email.strip().lower()
    found = next((u for u in among if u.email == wanted), None)
    if found is None:
        raise InvalidInput({"assignee": f"No assessor at your body has the email address {email!r}: check it."})
    return found


def _colleagues(user: User) -> list[User]:
    roles = roles_of(user)
    return list(User.objects.filter(is_active=True, memberships__organisation_id__in=roles.assessor_at,
                                    memberships__role="assessor").distinct())


def _require_queue(user: User) -> None:
    require_role(user, Role.ASSESSOR, "assessment queue")


@router.get("/assessment/queue", response={200: QueueOut, **ERRORS}, summary="Your assessing body's queue")
def queue_list(request: HttpRequest, filters: Query[QueueQuery]) -> QueueOut:
    user = caller(request)
    _require_queue(user)
    assignee = filters.assignee
    if assignee not in ("", "me", "nobody"):
        who = _assessor_by_email(assignee, _colleagues(user))
        assignee = str(who.pk) if who else ""
    found = queue.queue_filtered(user, queue.QueueFilter(
        scheme=filters.scheme, status=filters.status, outcome=filters.outcome, assignee=assignee,
        overdue=filters.overdue, waited_at_least=filters.waited_at_least,
        sort=filters.sort if filters.sort in queue.SORTS else "oldest"))
    ids = queue.ids_of(found)
    page = queue.rows_of(found, ids[filters.offset : filters.offset + filters.limit])
    return QueueOut(count=ids.count(), items=[_queue_item(r, c, r.pre_assessment) for r, c in page])


def _assessment_out(user: User, found: Request) -> AssessmentOut:
    found = access.request_for_user(user, found.reference)
    reads.record_read(user, found, f"{reads.REQUEST_DETAILS}: assessment API", channel=reads.Channel.API)
    findings = assessment.findings_of(found)
    pending = assessment.pending_decline(found)
    answer = found.events.filter(transition__in=("provide_information", "request_information")).order_by(
        "-position").first()
    return AssessmentOut(
        request=request_out(found, user), clock=_clock_out(queue.clock_of(found)),
        assignee=found.assignee.email if found.assignee else None,
        criteria=[CriterionAssessmentOut(
            id=r.id, mandatory=r.mandatory, rule_outcome=r.outcome, rule_reason=r.reason,
            finding=None if (f := findings.get(r.id)) is None else FindingOut(outcome=f.outcome, kind=f.kind.value,
                                                                              note=f.note),
        ) for r in assessment.rules_of(found)],
        warnings=[WarningOut(kind=w.kind, message=w.message) for w in queue.warnings_of(found)],
        pending_decline=pending.reasons if pending else None,
        answer=answer.reason_shown if answer is not None and answer.transition == "provide_information" else None,
    )


@router.get("/requests/{reference}/assessment", response={200: AssessmentOut, **ERRORS},
            summary="The request as its assessor sees it: clock, criteria, findings, warnings")
def assessment_read(request: HttpRequest, reference: str) -> AssessmentOut:
    user = caller(request)
    return _assessment_out(user, _assessed(user, reference))


@router.post("/requests/{reference}/assessment/claim", response={200: AssessmentOut, **ERRORS},
             summary="Claim the request: it is assigned to you, and its assessment starts")
def assessment_claim(request: HttpRequest, reference: str) -> AssessmentOut:
    user = caller(request)
    found = assessment.request_claim(request=_assessed(user, reference), by=user)
    return _assessment_out(user, found)


@router.post("/requests/{reference}/assessment/assign", response={200: AssessmentOut, **ERRORS},
             summary="Assign the request to a colleague at your body (or to nobody)")
def assessment_assign(request: HttpRequest, reference: str, body: AssignIn) -> AssessmentOut:
    user = caller(request)
    found = _assessed(user, reference)
    to = _assessor_by_email(body.assignee, assessment.assessors_of(found))
    found = assessment.request_assign(request=found, to=to, by=user)
    return _assessment_out(user, found)


@router.post("/assessment/assign", response={200: QueueOut, **ERRORS},
             summary="Assign several requests at once: all of them, or none")
def assessment_assign_bulk(request: HttpRequest, body: BulkAssignIn) -> QueueOut:
    user = caller(request)
    _require_queue(user)
    picked = [_assessed(user, ref) for ref in body.references]
    done = assessment.requests_assign(requests=picked, to=_assessor_by_email(body.assignee, _colleagues(user)), by=user)
    latest = {r.pk: (e.outcome if (e := evaluation_latest(r)) else None) for r in done}
    return QueueOut(count=len(done), items=[_queue_item(r, queue.clock_of(r), latest[r.pk]) for r in done])


@router.put("/requests/{reference}/assessment/findings", response={200: AssessmentOut, **ERRORS},
            summary="Confirm or override criteria: an override needs a note")
def assessment_findings(request: HttpRequest, reference: str, body: FindingsIn) -> AssessmentOut:
    user = caller(request)
    found = _assessed(user, reference)
    assessment.findings_record(request=found, by=user,
                               found={k: (v.outcome, v.note) for k, v in body.findings.items()})
    return _assessment_out(user, found)


@router.post("/requests/{reference}/assessment/decision", response={200: AssessmentOut, **ERRORS},
             summary="Recommend (found eligible) or decline, with reasons",
             description="Where the scheme needs a second assessor, a decline waits for one: the request stays in "
             "assessment and pending_decline holds the reasons.")
def assessment_decide(request: HttpRequest, reference: str, body: DecisionIn) -> AssessmentOut:
    user = caller(request)
    found = assessment.request_decide(request=_assessed(user, reference), by=user, decision=body.decision,
                                      reasons=body.reasons, text=body.text)
    return _assessment_out(user, found)


@router.post("/requests/{reference}/assessment/decision/confirm", response={200: AssessmentOut, **ERRORS},
             summary="As the second assessor, confirm a decline another assessor proposed")
def assessment_confirm(request: HttpRequest, reference: str) -> AssessmentOut:
    user = caller(request)
    found = assessment.decline_confirm(request=_assessed(user, reference), by=user)
    return _assessment_out(user, found)


@router.post("/requests/{reference}/assessment/decision/send-back", response={200: AssessmentOut, **ERRORS},
             summary="As the second assessor, send a proposed decline back with a note")
def assessment_send_back(request: HttpRequest, reference: str, body: NoteIn) -> AssessmentOut:
    user = caller(request)
    found = assessment.decline_send_back(request=_assessed(user, reference), by=user, note=body.note)
    return _assessment_out(user, found)


@router.post("/requests/{reference}/assessment/information-request", response={200: AssessmentOut, **ERRORS},
             summary="Ask the applicant for information: the request waits and its clock pauses")
def assessment_information(request: HttpRequest, reference: str, body: TextIn) -> AssessmentOut:
    user = caller(request)
    found = assessment.information_request(request=_assessed(user, reference), by=user, text=body.text)
    return _assessment_out(user, found)


@router.post("/requests/{reference}/information", response={200: RequestOut, **ERRORS},
             summary="As the applicant, answer the assessor's information request",
             description="Upload files first with POST /requests/{reference}/documents; they stay with the request.")
def information_answer(request: HttpRequest, reference: str, body: AnswerIn) -> RequestOut:
    user = caller(request)
    found = request_get(user, reference)
    if Party.APPLICANT not in access.parties(user, found):
        raise Http404(f"No request {found.reference} that you can answer for. Check the reference.")
    moved = assessment.information_provide(request=found, by=user, text=body.text, answers=body.answers)
    return request_out(access.request_for_user(user, moved.reference), user)
