"""The assessment workspace: an assessing body's queue and the page an assessor decides a request on.

Every page here is for assessors at the request's body; anyone else gets a 404. The views parse the form,
call one service in cases.services.assessment, and show its errors beside the fields they name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from bordercase.accounts.models import Organisation, User
from bordercase.accounts.roles import Role, require_role, roles_of
from bordercase.cases.lifecycle import LifecycleError, Party, State
from bordercase.cases.models import Evaluation, Request, Scheme
from bordercase.cases.services import assessment, queue
from bordercase.cases.services.evaluations import evaluation_latest, policy_of
from bordercase.cases.services.occupations import occupation_of, reads_occupation
from bordercase.lib.errors import ConcurrentChange, InvalidInput, Refused
from bordercase.policy.anzsco import anzsco
from bordercase.privacy import reads
from bordercase.web.intake_views import request_as
from bordercase.web.questions import answer_rows


def _assessor(request: HttpRequest) -> User:
    return require_role(request.user, Role.ASSESSOR, "assessment queue")


def _assessed(user: User, reference: str) -> Request:
    return request_as(user, reference, Party.ASSESSOR)


def _waited(params: Any) -> int | None:
    """The working days waited asked for; None if what was typed is not a whole number from 0 to the limit."""
    waited = params.get("waited", "").strip() or "0"
    if not (waited.isascii() and waited.isdigit()) or int(waited) > queue.WAITED_LIMIT:
        return None
    return int(waited)


def _filter_errors(params: Any) -> dict[str, str]:
    if _waited(params) is None:
        return {"waited": f"Enter the working days waited as a whole number from 0 to {queue.WAITED_LIMIT:,}, "
                          "like 5, or leave it empty."}
    return {}


def _filter_from(params: Any) -> queue.QueueFilter:
    sort = params.get("sort", "oldest")
    return queue.QueueFilter(
        scheme=params.get("scheme", ""), status=params.get("status", "open"), outcome=params.get("outcome", ""),
        assignee=params.get("assignee", ""), overdue=params.get("overdue") == "yes",
        # A filter that is not a number filters nothing, and the page says so (_filter_errors).
        waited_at_least=_waited(params) or 0, sort=sort if sort in queue.SORTS else "oldest")


@login_required
@require_GET
def queue_page(request: HttpRequest) -> HttpResponse:
    user = _assessor(request)
    chosen = _filter_from(request.GET)
    return _render_queue(request, user, chosen, _filter_errors(request.GET))


def _render_queue(request: HttpRequest, user: User, chosen: queue.QueueFilter,
                  errors: dict[str, str]) -> HttpResponse:
    found = queue.queue_filtered(user, chosen)
    page = Paginator(queue.ids_of(found), 50).get_page(request.GET.get("page"))
    roles = roles_of(user)
    colleagues = _colleagues(user)
    schemes = Scheme.objects.filter(assessing_bodies__in=roles.assessor_at).distinct().order_by("title")
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page, "rows": queue.rows_of(found, page.object_list),
        "page_query": params.urlencode() + "&" if params else "",
        "bodies": Organisation.objects.filter(pk__in=roles.assessor_at).order_by("name"),
        "chosen": chosen, "errors": errors, "colleagues": colleagues, "schemes": schemes,
        "states": [(s.value, s.label) for s in State if s != State.DRAFT], "sorts": queue.SORTS,
        "outcomes": Evaluation.Outcome.choices, "overdue_count": queue.overdue_count(found),
        "query": request.GET.urlencode(),
    }
    # Form errors answer 200, as every page here does: the page itself is fine, the answers need fixing.
    return render(request, "web/assessment/queue.html", context)


@login_required
@require_POST
def queue_assign(request: HttpRequest) -> HttpResponse:
    """Claim one request from the queue, or assign the chosen ones to a colleague."""
    user = _assessor(request)
    chosen = _filter_from(request.GET)
    claim = request.POST.get("claim", "")
    try:
        if claim:
            found = _assessed(user, claim)
            assessment.request_claim(request=found, by=user)
            messages.success(request, f"You claimed request {found.reference}.")
            return redirect("web:assess", reference=found.reference)
        picked = [_assessed(user, ref) for ref in request.POST.getlist("requests")]
        to = _colleague(request.POST.get("assignee", ""), _colleagues(user))
        done = assessment.requests_assign(requests=picked, to=to, by=user)
    except InvalidInput as exc:
        return _render_queue(request, user, chosen, exc.errors)
    except (LifecycleError, ConcurrentChange, Refused) as exc:
        return _render_queue(request, user, chosen, {"requests": str(exc)})
    who = "nobody" if to is None else (to.full_name or to.email)
    messages.success(request, f"{len(done)} request{'s' if len(done) != 1 else ''} assigned to {who}.")
    return redirect(f"{reverse('web:queue')}?{request.GET.urlencode()}")


def _colleague(value: str, among: Iterable[User]) -> User | None:
    """The assessor chosen from the list offered; anything else is refused without saying who it might be."""
    if value == "nobody":
        return None
    chosen = next((u for u in among if str(u.pk) == value), None)
    if chosen is None:
        raise InvalidInput({"assignee": "Choose an assessor from the list."})
    return chosen


def _colleagues(user: User) -> list[User]:
    roles = roles_of(user)
    return list(User.objects.filter(is_active=True, memberships__organisation_id__in=roles.assessor_at,
                                    memberships__role="assessor").distinct().order_by("full_name"))


@login_required
@require_GET
def request_page(request: HttpRequest, reference: str) -> HttpResponse:
    user = _assessor(request)
    return _render_request(request, user, _assessed(user, reference))


def _render_request(request: HttpRequest, user: User, found: Request, errors: dict[str, str] | None = None,
                    posted: Any = None) -> HttpResponse:
    reads.record_read(user, found, f"{reads.REQUEST_DETAILS}: assessor's request page")
    policy = policy_of(found.scheme)
    rules = assessment.rules_of(found)
    findings = assessment.findings_of(found)
    events = list(assessment.history_for(user, found))
    answered = next((e for e in reversed(events) if e.transition in ("provide_information", "request_information")),
                    None)
    context = {
        "req": found, "errors": errors or {}, "posted": posted or {}, "events": events,
        "reasons_posted": posted.getlist("reasons") if posted is not None else [],
        "clock": queue.clock_of(found), "warnings": queue.warnings_of(found), "evaluation": evaluation_latest(found),
        "rows": answer_rows(policy, found.answers) if policy else [],
        "documents": found.documents.order_by("uploaded_at", "pk"),
        "criteria": [{"rule": r, "finding": findings.get(r.id)} for r in rules],
        "not_met": [r for r in rules if (f := findings.get(r.id)) is not None and f.outcome == "not_met"],
        "answer": answered if answered is not None and answered.transition == "provide_information" else None,
        "pending_decline": assessment.pending_decline(found), "colleagues": assessment.assessors_of(found),
        "in_assessment": found.status == State.IN_ASSESSMENT,
        "open": found.status in queue.OPEN_STATES, "four_eyes": assessment.needs_second_assessor(found),
        "finding_choices": [("met", "Met"), ("not_met", "Not met")],
        **_occupation_context(found, policy),
    }
    return render(request, "web/assessment/request.html", context)


def _occupation_context(found: Request, policy: Any) -> dict[str, Any]:
    """The request's occupation and, where the scheme reads one, what its job title could be coded to."""
    if not reads_occupation(policy):
        return {"reads_occupation": False}
    title = found.answers.get("job_title")
    coding = anzsco().code_title(title) if isinstance(title, str) and title.strip() else None
    return {"reads_occupation": True, "occupation": occupation_of(found), "job_title": title,
            "occupation_candidates": coding.candidates if coding is not None else ()}


def _acting(view: Any) -> Any:
    """A POST from the assessor's request page: on a refusal, the page again with the errors by field."""

    @login_required
    @require_POST
    def wrapped(request: HttpRequest, reference: str) -> HttpResponse:
        user = _assessor(request)
        found = _assessed(user, reference)
        try:
            message = view(request, user, found)
        except InvalidInput as exc:
            return _render_request(request, user, found, exc.errors, request.POST)
        except (LifecycleError, ConcurrentChange, Refused) as exc:
            return _render_request(request, user, found, {"status": str(exc)}, request.POST)
        messages.success(request, message)
        return redirect("web:assess", reference=found.reference)

    wrapped.__name__ = view.__name__
    return wrapped


@_acting
def assign(request: HttpRequest, user: User, found: Request) -> str:
    if "claim" in request.POST:
        assessment.request_claim(request=found, by=user)
        return "You claimed this request."
    to = _colleague(request.POST.get("assignee", ""), assessment.assessors_of(found))
    assessment.request_assign(request=found, to=to, by=user)
    return f"Assigned to {'nobody' if to is None else (to.full_name or to.email)}."


@_acting
def findings(request: HttpRequest, user: User, found: Request) -> str:
    found_now = {r.id: (request.POST.get(f"finding.{r.id}", ""), request.POST.get(f"note.{r.id}", ""))
                 for r in assessment.rules_of(found)}
    assessment.findings_record(request=found, by=user, found=found_now)
    return "Your findings are saved."


@_acting
def occupation(request: HttpRequest, user: User, found: Request) -> str:
    chosen = request.POST.get("occupation", "")
    code = request.POST.get("occupation_code", "") if chosen in ("", "other") else chosen
    evaluation = assessment.occupation_record(request=found, by=user, code=code,
                                              note=request.POST.get("occupation_note", ""))
    described = anzsco().describe(code.strip())
    if evaluation is not None:
        return (f"You recorded the occupation as {described}. The rules now find the request "
                f"{evaluation.get_outcome_display().lower()}: confirm the criteria again where they changed.")
    # The service evaluates nothing for a scheme without rules or a request the rules never evaluated, as for a
    # finding sent again unchanged: only the last is "already recorded".
    if policy_of(found.scheme) is None:
        return (f"The occupation is recorded as {described}. {found.scheme.title} has no rules to evaluate it by, "
                "so the criteria are yours to decide.")
    if evaluation_latest(found) is None:
        return (f"The occupation is recorded as {described}. The rules have not evaluated this request, so no "
                "outcome changed.")
    return "The occupation was already recorded as that, with that note: nothing changed."


@_acting
def decide(request: HttpRequest, user: User, found: Request) -> str:
    decision = request.POST.get("decision", "")
    after = assessment.request_decide(request=found, by=user, decision=decision,
                                      reasons=request.POST.getlist("reasons"), text=request.POST.get("text", ""))
    if after.status == State.ELIGIBLE:
        return "You recommended the request: it is found eligible, and the applicant has been told."
    if after.status == State.DECLINED:
        return "You declined the request, and the applicant has been told why."
    return "Your decline waits for a second assessor at your body to confirm it."


@_acting
def second_assessor(request: HttpRequest, user: User, found: Request) -> str:
    if request.POST.get("action") == "confirm":
        assessment.decline_confirm(request=found, by=user)
        return "You confirmed the decline: the applicant has been told why."
    assessment.decline_send_back(request=found, by=user, note=request.POST.get("note", ""))
    return "You sent the decline back: the request is still in assessment."


@_acting
def information(request: HttpRequest, user: User, found: Request) -> str:
    assessment.information_request(request=found, by=user, text=request.POST.get("reason", ""))
    return "Your question has been sent. The request waits for the applicant, and its clock is paused."
