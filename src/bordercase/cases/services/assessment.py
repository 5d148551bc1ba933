"""Assessing a request: claiming and assigning it, finding each criterion, deciding, asking for information.

Only an assessor at the request's assessing body may do any of it; the request's lifecycle still decides
which transitions may happen. Every change appends an event to the request's history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bordercase.accounts.models import Membership, User
from bordercase.cases import access
from bordercase.cases.assessment import (
    AssessmentProblem,
    CriterionRule,
    Decision,
    Finding,
    decision_check,
    finding_make,
    reasons_text,
)
from bordercase.cases.lifecycle import STAFF_ONLY_EVENTS, EventKind, Party, State
from bordercase.cases.models import CriterionFinding, DeclineProposal, Evaluation, Event, OccupationFinding, Request
from bordercase.cases.services.documents import document_add
from bordercase.cases.services.evaluations import answers_check, evaluation_latest, policy_of
from bordercase.cases.services.events import event_append
from bordercase.cases.services.occupations import (
    NOTE_MAX_LENGTH,
    for_rules,
    occupation_of,
    reads_occupation,
)
from bordercase.cases.services.transitions import request_transition
from bordercase.lib.errors import ConcurrentChange, InvalidInput, Refused
from bordercase.policy.answers import InvalidAnswers
from bordercase.policy.anzsco import anzsco
from bordercase.policy.parameters import ParameterNotInForce

# For a scheme without rules in the policy package, or a date its parameters do not reach.
DEFAULT_TARGET_WORKING_DAYS = 5
# How assessors divide and check their work is theirs: the applicant sees every decision and its reasons, not
# who claimed what, their working findings or a decline that a second assessor has not yet confirmed.
_STAFF = frozenset({Party.ASSESSOR, Party.INZ_OFFICER, Party.ADMINISTRATOR})


def history_for(user: User, request: Request) -> QuerySet[Event]:
    """The request's events this user may read, oldest first: all of them for staff, not the internal ones else."""
    events = request.events.select_related("actor").order_by("position")
    if access.parties(user, request) & _STAFF:
        return events
    return events.exclude(transition__in=STAFF_ONLY_EVENTS)


def scheme_parameter(request: Request, name: str, default: Any) -> Any:
    """A scheme parameter as at the day the request was lodged (New Zealand), or ``default`` if it has none."""
    policy = policy_of(request.scheme)
    if policy is None or name not in policy.parameters:
        return default
    day = timezone.localdate(request.lodged_at) if request.lodged_at else timezone.localdate()
    try:
        return policy.value(name, day)
    except ParameterNotInForce:
        return default


def target_working_days(request: Request) -> int:
    return int(scheme_parameter(request, "assessment_target_working_days", DEFAULT_TARGET_WORKING_DAYS))


def needs_second_assessor(request: Request) -> bool:
    return bool(scheme_parameter(request, "decline_needs_second_assessor", False))


def assessors_of(request: Request) -> list[User]:
    """The active assessors at the request's assessing body: who it may be assigned to."""
    return list(User.objects.filter(is_active=True, memberships__organisation_id=request.assessing_body_id,
                                    memberships__role=Membership.Role.ASSESSOR).distinct().order_by("full_name"))


def _require_assessor(request: Request, by: User) -> None:
    if Party.ASSESSOR not in access.parties(by, request):
        raise Refused(f"Only an assessor at {request.assessing_body} can assess request {request.reference}.")


def _locked(request: Request) -> Request:
    return Request.objects.select_for_update(of=("self",)).select_related("scheme", "assessing_body").get(
        pk=request.pk)


# --- the queue: claiming and assigning -----------------------------------------------------------------------------


def request_assign(*, request: Request, to: User | None, by: User, claim: bool = False) -> Request:
    """Give the request to an assessor at its body (``None`` returns it to the unassigned queue).

    The first assignment of a lodged request starts its assessment. A claim takes only a request nobody holds,
    so two assessors claiming at once cannot both think it theirs.
    """
    with transaction.atomic():
        current = _locked(request)
        _require_assessor(current, by)
        if to is not None and to.pk not in {u.pk for u in assessors_of(current)}:
            # Never named: a stranger's name is not for the assessor to learn by guessing ids.
            raise InvalidInput({"assignee": f"That person is not an assessor at {current.assessing_body}: choose a "
                                            "colleague from the list."})
        if claim and current.assignee_id not in (None, by.pk):
            holder = current.assignee.full_name or current.assignee.email if current.assignee else ""
            raise InvalidInput({"assignee": f"Request {current.reference} is already assigned to {holder}: ask them, "
                                            "or assign it to yourself from the request's page."})
        if current.status not in (State.LODGED, State.IN_ASSESSMENT, State.INFO_REQUESTED):
            raise InvalidInput({"assignee": f"Request {current.reference} is {current.state.label.lower()}, so it "
                                            "is no longer in the queue and cannot be assigned."})
        Request.objects.filter(pk=current.pk).update(assignee=to)
        data = {"assignee": None if to is None else to.pk,
                "assignee_name": "" if to is None else (to.full_name or to.email)}
        event_append(request=current, by=by, transition=EventKind.CLAIM if claim else EventKind.ASSIGN,
                     from_state=current.status, to_state=current.status, data=data)
        if current.status == State.LODGED:
            assessment_start(request=current, by=by)
    request.refresh_from_db()
    return request


def assessment_start(*, request: Request, by: User, reason: str = "") -> Request:
    """Start assessing a lodged request: its first assignment does this, and an assessing body's system may."""
    return request_transition(request=request, name="start_assessment", by=by, reason=reason)


def request_claim(*, request: Request, by: User) -> Request:
    return request_assign(request=request, to=by, by=by, claim=True)


def requests_assign(*, requests: Sequence[Request], to: User | None, by: User) -> list[Request]:
    """Assign several at once: all of them, or (if any cannot be) none, with the reason naming the request."""
    if not requests:
        raise InvalidInput({"requests": "Choose at least one request to assign."})
    with transaction.atomic():
        done = []
        # Rows locked in one order, so two overlapping bulk assignments cannot deadlock.
        for request in sorted(requests, key=lambda r: r.pk):
            try:
                done.append(request_assign(request=request, to=to, by=by))
            except InvalidInput as exc:
                raise InvalidInput({"requests": f"{request.reference}: {' '.join(exc.errors.values())} Nothing was "
                                                "assigned."}) from exc
    return done


# --- findings and decisions ----------------------------------------------------------------------------------------


def rules_of(request: Request) -> list[CriterionRule]:
    """Each criterion as the rules found it at lodging (none for a scheme assessed by people alone)."""
    evaluation = evaluation_latest(request)
    if evaluation is None:
        return []
    return [CriterionRule(c["id"], c["outcome"], c["reason"], bool(c["mandatory"])) for c in evaluation.criteria]


def findings_of(request: Request) -> dict[str, Finding]:
    return {f.criterion: Finding(f.criterion, f.rule_outcome, f.outcome, f.note)
            for f in request.findings.all()}


def _require_in_assessment(request: Request, what: str) -> None:
    if request.status != State.IN_ASSESSMENT:
        raise InvalidInput({"status": f"Request {request.reference} is {request.state.label.lower()}, so {what} "
                                      "now. Reload it to see where it stands."})


def _held_for_assessment(request: Request, by: User, *, cannot: str, while_waiting: str,
                         field: str = "status") -> Request:
    """The request's row, locked, once ``by`` may assess it now: theirs, in assessment, no decline waiting."""
    current = _locked(request)
    _require_assessor(current, by)
    _require_in_assessment(current, cannot)
    if pending_decline(current) is not None:
        raise InvalidInput({field: while_waiting})
    return current


def findings_record(*, request: Request, by: User, found: Mapping[str, tuple[str, str]]) -> dict[str, Finding]:
    """Record the assessor's finding (outcome, note) of each criterion given; all are checked before any is kept."""
    rules = {r.id: r for r in rules_of(request)}
    problems: dict[str, str] = {}
    made: dict[str, Finding] = {}
    for criterion, (outcome, note) in found.items():
        if criterion not in rules:
            problems[f"finding.{criterion}"] = (f"{request.scheme.title} has no criterion {criterion!r}: use one of "
                                                f"{', '.join(rules) or 'none'}.")
            continue
        try:
            made[criterion] = finding_make(rules[criterion], outcome, note)
        except AssessmentProblem as exc:
            problems.update(exc.problems)
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        current = _held_for_assessment(
            request, by, cannot="its criteria cannot be assessed",
            while_waiting="A decline of this request waits for a second assessor, on these findings: they confirm it "
                          "or send it back before the findings change.")
        before = findings_of(current)
        now = timezone.now()
        for criterion, finding in made.items():
            if before.get(criterion) == finding:
                continue  # the same finding sent again changes nothing and records nothing
            CriterionFinding.objects.update_or_create(
                request=current, criterion=criterion,
                defaults={"rule_outcome": finding.rule_outcome, "outcome": finding.outcome, "kind": finding.kind.value,
                          "note": finding.note, "by": by, "at": now})
            event_append(request=current, by=by, transition=EventKind.CRITERION_FINDING, from_state=current.status,
                         to_state=current.status, reason=finding.note,
                         data={"criterion": criterion, "rule_outcome": finding.rule_outcome,
                               "outcome": finding.outcome, "kind": finding.kind.value})
    return findings_of(request)


def occupation_record(*, request: Request, by: User, code: str, note: str) -> Evaluation | None:
    """Record the occupation the assessor found, with their note, and evaluate the request again with it.

    The rules read the assessor's occupation over the code or title the applicant gave, as at the same date as the
    evaluation at lodging. A criterion whose rules' finding changes with it loses the assessor's finding, so it is
    confirmed again against what the rules now say; the history records which. Returns the new evaluation (None
    for a scheme without rules, or when the occupation is the one already recorded).
    """
    code, note = code.strip(), note.strip()
    problems: dict[str, str] = {}
    if not (code.isascii() and code.isdigit() and len(code) == 6) or code not in anzsco().occupations:
        problems["occupation"] = ("Enter the 6-digit ANZSCO 2013 occupation, such as 261313; the job-title coder "
                                  "lists the occupations a title could be.")
    if not note:
        problems["occupation_note"] = ("Say why the role is this occupation (its duties, the evidence), so the "
                                       "applicant and a reviewer can follow the finding.")
    elif len(note) > NOTE_MAX_LENGTH:
        problems["occupation_note"] = (f"Shorten the note to {NOTE_MAX_LENGTH:,} characters or fewer: it has "
                                       f"{len(note):,}. Say what decides the occupation; the evidence is in the "
                                       "request's documents.")
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        current = _held_for_assessment(
            request, by, cannot="its occupation cannot be recorded", field="occupation",
            while_waiting="A decline of this request waits for a second assessor, on these findings: they confirm it "
                          "or send it back before the occupation changes.")
        before = OccupationFinding.objects.filter(request=current).first()
        if before is not None and (before.code, before.note) == (code, note):
            return None  # the same finding sent again changes nothing and records nothing
        OccupationFinding.objects.update_or_create(request=current, defaults={"code": code, "note": note, "by": by,
                                                                              "at": timezone.now()})
        evaluation, reopened = _evaluate_with_occupation(current, code)
        data: dict[str, Any] = {"occupation": code, "previous": before.code if before else None,
                                "reopened": reopened}
        if evaluation is not None:
            data["outcome"] = evaluation.outcome
        event_append(request=current, by=by, transition=EventKind.OCCUPATION_FINDING, from_state=current.status,
                     to_state=current.status, reason=note, data=data)
    return evaluation


def _evaluate_with_occupation(request: Request, code: str) -> tuple[Evaluation | None, list[str]]:
    """The request evaluated again with the assessor's occupation; the criteria whose finding had to be reopened."""
    policy, latest = policy_of(request.scheme), evaluation_latest(request)
    if policy is None or latest is None:
        return None, []
    answers = {k: v for k, v in request.answers.items() if v is not None}
    try:
        checked = policy.check(answers)
    except InvalidAnswers as exc:
        raise InvalidInput({"occupation": f"The request's answers no longer pass the scheme's checks ({exc}), so "
                                          "the rules cannot read the occupation: ask the applicant to correct them."}
                           ) from exc
    result = policy.evaluate(for_rules(checked, code), latest.as_at)
    evaluation = Evaluation.objects.create(
        request=request, policy_version=result.policy_version, as_at=result.as_at, outcome=result.outcome.value,
        criteria=result.as_json()["criteria"], answers=for_rules(request.answers, code))
    now = {c["id"]: c["outcome"] for c in evaluation.criteria}
    reopened = sorted(f.criterion for f in request.findings.all() if now.get(f.criterion, f.rule_outcome)
                      != f.rule_outcome)
    CriterionFinding.objects.filter(request=request, criterion__in=reopened).delete()
    return evaluation, reopened


def occupation_needed(request: Request) -> bool:
    """Whether the scheme reads an occupation (it asks for an ANZSCO code) and the request has none settled."""
    return reads_occupation(policy_of(request.scheme)) and occupation_of(request) is None


def pending_decline(request: Request) -> DeclineProposal | None:
    return request.decline_proposals.filter(status=DeclineProposal.Status.PENDING).select_related(
        "proposed_by").first()


def request_decide(*, request: Request, by: User, decision: str, reasons: Iterable[str] = (),
                   text: str = "") -> Request:
    """Recommend the request as eligible or decline it, with reasons drawn from the findings and free text.

    Everything is checked holding the request's row, so findings changed or a decline proposed at the same
    moment cannot slip between the check and the decision. Where the scheme needs a second assessor for a
    decline, the decline waits for one (``decline_confirm``).
    """
    with transaction.atomic():
        current = _held_for_assessment(
            request, by, cannot="it cannot be decided",
            while_waiting="A decline of this request is waiting for a second assessor: they confirm it or send it "
                          "back first.")
        rules, findings = rules_of(current), findings_of(current)
        try:
            chosen = decision_check(decision, rules, findings, reasons, text)
        except AssessmentProblem as exc:
            raise InvalidInput(exc.problems) from exc
        reason = reasons_text(decision, rules, findings, chosen, text)
        summary = {f.criterion: {"outcome": f.outcome, "kind": f.kind.value} for f in findings.values()}
        if decision == Decision.RECOMMEND and occupation_needed(current):
            # The ballot's category caps count the occupation: an eligible request without one would escape them.
            raise InvalidInput({"occupation": "Record the role's occupation before recommending the request: its "
                                              "job title matched no single ANZSCO occupation."})
        if decision == Decision.RECOMMEND:
            return request_transition(request=request, name="find_eligible", by=by, reason=reason,
                                      data={"findings": summary})
        if not needs_second_assessor(current):
            return _decline(request, by, reason, {"criteria": chosen, "findings": summary})
        DeclineProposal.objects.create(request=current, proposed_by=by, proposed_at=timezone.now(), reasons=reason,
                                       criteria=chosen)
        event_append(request=current, by=by, transition=EventKind.DECLINE_PROPOSED, from_state=current.status,
                     to_state=current.status, reason=reason, data={"criteria": chosen})
    request.refresh_from_db()
    return request


def _second_assessor(request: Request, by: User) -> DeclineProposal:
    """The decline waiting for this assessor to confirm or send back; call holding the request's row."""
    _require_assessor(request, by)
    proposal = pending_decline(request)
    if proposal is None:
        raise InvalidInput({"status": f"No decline of request {request.reference} is waiting for a second "
                                      "assessor: someone may have dealt with it. Reload the request."})
    if proposal.proposed_by_id == by.pk:
        raise Refused("You proposed this decline, so a different assessor at your body must confirm it or send "
                      "it back.")
    return proposal


def _resolve(proposal: DeclineProposal, status: str, by: User, now: dt.datetime, note: str = "") -> None:
    changed = DeclineProposal.objects.filter(pk=proposal.pk, status=DeclineProposal.Status.PENDING).update(
        status=status, resolved_by=by, resolved_at=now, note=note)
    if changed != 1:
        raise ConcurrentChange("Someone else dealt with this decline first: reload the request.")


def decline_confirm(*, request: Request, by: User) -> Request:
    """The second assessor agrees: the request is declined with the first assessor's reasons."""
    with transaction.atomic():
        proposal = _second_assessor(_locked(request), by)
        _resolve(proposal, DeclineProposal.Status.CONFIRMED, by, timezone.now())
        return _decline(request, by, proposal.reasons,
                        {"criteria": proposal.criteria, "proposed_by": proposal.proposed_by_id})


def _decline(request: Request, by: User, reason: str, data: dict[str, Any]) -> Request:
    # The one place a request is declined: by a decision no second assessor need confirm, or by the confirming.
    return request_transition(request=request, name="decline", by=by, reason=reason, data=data)


def decline_send_back(*, request: Request, by: User, note: str) -> Request:
    """The second assessor disagrees: the request stays in assessment, with their note for the first."""
    if not note.strip():
        raise InvalidInput({"note": "Say why the decline is sent back, so the first assessor knows what to look at."})
    with transaction.atomic():
        current = _locked(request)
        proposal = _second_assessor(current, by)
        _resolve(proposal, DeclineProposal.Status.REJECTED, by, timezone.now(), note.strip())
        event_append(request=current, by=by, transition=EventKind.DECLINE_SENT_BACK, from_state=current.status,
                     to_state=current.status, reason=note.strip())
    request.refresh_from_db()
    return request


# --- requests for information --------------------------------------------------------------------------------------


def information_request(*, request: Request, by: User, text: str) -> Request:
    """Ask the applicant for what is needed; the request waits for them and its clock pauses."""
    if not text.strip():
        raise InvalidInput({"reason": "Write what information you need, so the applicant knows what to send."})
    with transaction.atomic():
        current = _locked(request)
        if pending_decline(current) is not None:
            raise InvalidInput({"status": "A decline of this request is waiting for a second assessor: they "
                                          "confirm it or send it back before more information can be asked for."})
        return request_transition(request=request, name="request_information", by=by, reason=text)


def information_provide(*, request: Request, by: User, text: str,
                        documents: Sequence[tuple[str, UploadedFile]] = (),
                        answers: Mapping[str, Any] | None = None) -> Request:
    """The applicant's answer, with any evidence and corrected answers; the request goes back to its assessor.

    Each file is checked and stored first (a refused file stops the answer, and the request still waits); a file
    already stored stays with the request as evidence even if the answer is then refused. Corrected answers are
    checked in full and kept with the answer or not at all; the rules' findings at lodging are kept as they were,
    and the assessor is warned where the corrected answers change them.
    """
    if not text.strip():
        raise InvalidInput({"reason": "Write your answer to the assessor's question, even if it is only to say "
                                      "what the attached files show."})
    if request.status != State.INFO_REQUESTED:
        raise InvalidInput({"reason": f"Request {request.reference} is {request.state.label.lower()}: no question "
                                      "is waiting for an answer. Reload the request."})
    if Party.APPLICANT not in access.parties(by, request):
        raise Refused(f"Only the applicant can answer for request {request.reference}.")
    corrected: dict[str, Any] | None = None
    if answers:
        corrected = {k: v for k, v in {**request.answers, **answers}.items() if v is not None}
        answers_check(request.scheme, corrected, partial=False)
    stored = [document_add(request=request, kind=kind, upload=upload, by=by) for kind, upload in documents]
    data: dict[str, Any] = {"documents": [d.pk for d in stored]}
    with transaction.atomic():
        if corrected is not None:
            current = _locked(request)
            data["answers_changed"] = sorted(k for k in set(corrected) | set(current.answers)
                                             if corrected.get(k) != current.answers.get(k))
            Request.objects.filter(pk=current.pk).update(answers=corrected)
        return request_transition(request=request, name="provide_information", by=by, reason=text, data=data)
