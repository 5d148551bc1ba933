"""Visa decisions: an Immigration NZ officer grants or declines the visa on a lodged request to travel.

The worker's partner and children are decided with the worker, in the same decision. The worker and the
employer are each emailed a PDF decision letter: the worker's lists everyone decided with their passports; the
employer's says only how many family members were decided with the worker, as the employer is never shown the
family's identities or passports.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.cases.lifecycle import State
from bordercase.cases.models import Request
from bordercase.cases.notifications import applicant_addresses
from bordercase.cases.services.transitions import request_transition
from bordercase.cases.windows import NZ, nz_time
from bordercase.immigration import letters
from bordercase.immigration.access import is_inz_officer
from bordercase.immigration.models import FamilyMember, TravelRequest, VisaDecision
from bordercase.immigration.services.issued_letters import ForWhom, Kind, letter_issue
from bordercase.lib.email import absolute_url, email_send
from bordercase.lib.errors import InvalidInput, Refused

Outcome = VisaDecision.Outcome
MAX_TEXT = 5000


def travel_request_of(request: Request) -> TravelRequest | None:
    return TravelRequest.objects.filter(request=request).select_related("worker").first()


def family_of(travel: TravelRequest | None) -> list[FamilyMember]:
    """The partner first, then the children in the order they were added, as a letter lists them."""
    if travel is None:
        return []
    return sorted(travel.family.all(), key=lambda m: (m.relationship != FamilyMember.Relationship.PARTNER, m.pk))


def awaiting_decision() -> list[Request]:
    """Requests whose request to travel waits for a visa decision, the longest waiting first."""
    return list(Request.objects.filter(status=State.TRAVEL_REQUESTED)
                .select_related("scheme", "organisation", "nominee").order_by("status_changed_at", "pk"))


def _check(by: User, request: Request) -> None:
    if not is_inz_officer(by):
        raise Refused("Only an Immigration NZ officer can decide a visa.")
    if request.status != State.TRAVEL_REQUESTED:
        raise InvalidInput({"status": f"Request {request.reference} is {request.state.label.lower()}: a visa is "
                                      "decided only on a lodged request to travel. Reload it to see where it "
                                      "stands."})


def visa_grant(*, request: Request, by: User, valid_until: dt.date | None, conditions: str) -> VisaDecision:
    """Grant the visa to the worker and their family until ``valid_until``, on ``conditions``."""
    _check(by, request)
    conditions = conditions.strip()
    today = timezone.localdate(timezone.now(), NZ)
    problems = {}
    if valid_until is None:
        problems["valid_until"] = "Enter the last day the visa is valid, like 28 2 2023."
    elif valid_until <= today:
        problems["valid_until"] = (f"The visa must be valid after today ({today:%-d %B %Y}): enter a later last "
                                   "day.")
    if not conditions:
        problems["conditions"] = ("Write the visa's conditions, such as: Critical Purpose Visitor Visa, valid 12 "
                                  "months; work only for the nominating employer.")
    elif len(conditions) > MAX_TEXT:
        problems["conditions"] = f"Write the conditions in {MAX_TEXT} characters or fewer."
    if problems or valid_until is None:
        raise InvalidInput(problems)
    reason = f"{conditions} Valid until {valid_until:%-d %B %Y}."
    return _decide(request, by, Outcome.GRANTED, reason, valid_until=valid_until, conditions=conditions)


def visa_decline(*, request: Request, by: User, reasons: str) -> VisaDecision:
    """Decline the visa for the worker and their family, with the reasons they will read."""
    _check(by, request)
    reasons = reasons.strip()
    if not reasons:
        raise InvalidInput({"reasons": "Give the reasons for declining the visa: the worker and the employer read "
                                       "them."})
    if len(reasons) > MAX_TEXT:
        raise InvalidInput({"reasons": f"Write the reasons in {MAX_TEXT} characters or fewer."})
    return _decide(request, by, Outcome.DECLINED, reasons, reasons=reasons)


def _decide(request: Request, by: User, outcome: str, reason: str, **fields: object) -> VisaDecision:
    name = "grant_visa" if outcome == Outcome.GRANTED else "decline_visa"
    with transaction.atomic():
        travel = travel_request_of(request)
        family = family_of(travel)
        moved = request_transition(request=request, name=name, by=by, reason=reason,
                                   data={"family": [m.relationship for m in family]})
        decision = VisaDecision.objects.create(request=moved, outcome=outcome, decided_by=by,
                                               decided_at=timezone.now(), **fields)
        _tell(moved, decision, travel, family)
    return decision


def _tell(request: Request, decision: VisaDecision, travel: TravelRequest | None,
          family: list[FamilyMember]) -> None:
    name = f"visa-decision-{request.reference}.pdf"
    context = {"req": request, "decision": decision, "family_count": len(family),
               "url": absolute_url(reverse("web:request", kwargs={"reference": request.reference}))}
    worker_email = travel.worker.email if travel is not None else request.nominee.email
    decided = _decided(decision)
    _, to_worker = letter_issue(request=request, kind=Kind.VISA_DECISION, for_whom=ForWhom.WORKER, decided=decided,
                                letter=decision_letter(request, decision, family, for_worker=True))
    _, to_employer = letter_issue(request=request, kind=Kind.VISA_DECISION, for_whom=ForWhom.EMPLOYER,
                                  decided=decided, letter=decision_letter(request, decision, family, for_worker=False))
    email_send(to=worker_email, template="visa_decision_worker", context=context,
               attachments=[(name, to_worker, "application/pdf")])
    email_send(to=applicant_addresses(request), template="visa_decision_employer", context=context,
               attachments=[(name, to_employer, "application/pdf")])


def _decided(decision: VisaDecision) -> str:
    """What a decision letter decided, in the line its public page shows: never a decline's reasons, which stay in
    the letter and on the request's own pages."""
    if decision.outcome == Outcome.GRANTED:
        return f"Visa granted, valid until {decision.valid_until:%-d %B %Y}"
    return "Visa declined"


def _family_line(member: FamilyMember) -> str:
    return (f"{member.given_names} {member.family_name} ({member.get_relationship_display().lower()}), born "
            f"{member.date_of_birth:%-d %B %Y}; passport {member.passport_number} ({member.passport_country})")


def decision_letter(request: Request, decision: VisaDecision, family: list[FamilyMember], *,
                    for_worker: bool) -> letters.Letter:
    """The decision letter: the worker's names everyone decided; the employer's counts the family only."""
    person, employer = request.nominee, request.organisation
    worker = person.full_name if person else "the worker"
    granted = decision.outcome == Outcome.GRANTED
    facts = [("Reference", request.reference), ("Scheme", request.scheme.title), ("Worker", worker)]
    if for_worker and person:
        facts.append(("Worker's passport", f"{person.passport_number} ({person.nationality_name})"))
    if employer:
        facts.append(("Employer", f"{employer.name} (NZBN {employer.nzbn})"))
    facts += [("Decision", "Visa granted" if granted else "Visa declined"),
              ("Decided", nz_time(decision.decided_at))]
    if granted and decision.valid_until:
        facts.append(("Valid until", f"{decision.valid_until:%-d %B %Y}"))
    if for_worker:
        travelling = [_family_line(m) for m in family] or ["No partner or dependent child travels with you."]
        people = ("Decided with you", travelling)
    else:
        count = len(family)
        people = ("Family", [f"{count} family member{'s' if count != 1 else ''} travelling with {worker} "
                             f"{'were' if count != 1 else 'was'} decided with them." if count else
                             f"No family member travels with {worker}."])
    if granted:
        body = ("The decision", [f"Immigration New Zealand has granted the visa to {worker}"
                                 f"{' and the family members travelling with them' if family else ''}.",
                                 f"Conditions: {decision.conditions}",
                                 f"The visa is valid until {decision.valid_until:%-d %B %Y}."])
    else:
        body = ("The decision", [f"Immigration New Zealand has declined the visa for {worker}"
                                 f"{' and the family members travelling with them' if family else ''}.",
                                 f"Reasons: {decision.reasons}"])
    return letters.Letter(title="Visa decision", reference=request.reference,
                          dated=timezone.localdate(decision.decided_at, NZ),
                          to=[worker if for_worker else (employer.name if employer else worker)], facts=facts,
                          sections=[body, people])
