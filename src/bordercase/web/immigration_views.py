"""Immigration NZ officers' pages: issuing invitations to apply, and deciding visas on requests to travel.

Only Immigration NZ officers see them; anyone else gets a 404. Each view parses the form, calls one service in
``immigration.services`` and shows its errors beside the fields they name.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bordercase.accounts.models import User
from bordercase.accounts.roles import Role, require_role
from bordercase.cases.lifecycle import LifecycleError, Party, State
from bordercase.cases.models import Request
from bordercase.immigration.models import Invitation, TravelRequest, VisaDecision
from bordercase.immigration.services import invitations, visas
from bordercase.lib.errors import ConcurrentChange, InvalidInput, Refused
from bordercase.privacy import reads
from bordercase.web.forms import errors_onto
from bordercase.web.immigration_forms import VisaDeclineForm, VisaGrantForm
from bordercase.web.intake_views import request_as


def _officer(request: HttpRequest) -> User:
    return require_role(request.user, Role.INZ_OFFICER, "Immigration NZ work")


def _officers_request(user: User, reference: str) -> Request:
    return request_as(user, reference, Party.INZ_OFFICER)


# --- invitations to apply ------------------------------------------------------------------------------------------


@login_required
@require_GET
def invitations_page(request: HttpRequest) -> HttpResponse:
    return _render_invitations(request, _officer(request), {})


def _render_invitations(request: HttpRequest, user: User, errors: dict[str, str],
                        picked: list[str] | None = None) -> HttpResponse:
    waiting = Invitation.objects.filter(request__status=State.INVITED).select_related(
        "request__nominee", "request__organisation", "request__scheme").order_by("expires_at")
    newest = {}
    for invitation in waiting:
        newest.setdefault(invitation.request_id, invitation)  # an older invitation of the same request is history
    context = {"ready": list(invitations.invitable()), "waiting": sorted(newest.values(), key=lambda i: i.expires_at),
               "errors": errors, "picked": picked or []}
    return render(request, "web/immigration/invitations.html", context)


@login_required
@require_POST
def invitations_issue(request: HttpRequest) -> HttpResponse:
    """Invite one request (its own button) or every chosen one (the button under the table)."""
    user = _officer(request)
    single = request.POST.get("invite", "")
    picked = [single] if single else request.POST.getlist("requests")
    try:
        chosen = [_officers_request(user, reference) for reference in picked]
        issued = invitations.invitations_issue(requests=chosen, by=user)
    except InvalidInput as exc:
        return _render_invitations(request, user, exc.errors, picked)
    except (LifecycleError, ConcurrentChange, Refused) as exc:
        return _render_invitations(request, user, {"requests": str(exc)}, picked)
    if len(issued) == 1:
        messages.success(request, f"Invitation to apply issued for {issued[0].request.reference}: the worker and "
                                  "the employer have been emailed.")
    else:
        messages.success(request, f"{len(issued)} invitations to apply issued: each worker and employer has been "
                                  "emailed.")
    return redirect("web:inz-invitations")


# --- visa decisions ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def visas_page(request: HttpRequest) -> HttpResponse:
    _officer(request)
    awaiting = visas.awaiting_decision()
    travel = {t.request_id: t for t in TravelRequest.objects.filter(request__in=awaiting)
              .prefetch_related("family")}
    rows = [(r, travel.get(r.pk)) for r in awaiting]
    return render(request, "web/immigration/visas.html", {"rows": rows})


@login_required
@require_GET
def visa_page(request: HttpRequest, reference: str) -> HttpResponse:
    user = _officer(request)
    return _render_visa(request, _officers_request(user, reference), {})


def _render_visa(request: HttpRequest, found: Request, errors: dict[str, str] | None = None, *,
                 grant: VisaGrantForm | None = None, decline: VisaDeclineForm | None = None) -> HttpResponse:
    if isinstance(request.user, User):  # always: only officers reach this page
        reads.record_read(request.user, found, f"{reads.PASSPORT}: visa decision page")
    travel = visas.travel_request_of(found)
    context: dict[str, Any] = {
        "req": found, "travel": travel, "family": visas.family_of(travel), "errors": errors or {},
        "grant": grant or VisaGrantForm(auto_id="%s"), "decline": decline or VisaDeclineForm(auto_id="%s"),
        "decision": VisaDecision.objects.filter(request=found).first(),
        "awaiting": found.status == State.TRAVEL_REQUESTED,
        "agreement": travel.employment_agreement if travel else None,
    }
    return render(request, "web/immigration/visa.html", context)


@login_required
@require_POST
def visa_decide(request: HttpRequest, reference: str) -> HttpResponse:
    user = _officer(request)
    found = _officers_request(user, reference)
    outcome = request.POST.get("outcome", "")
    if outcome not in {"granted", "declined"}:
        return _render_visa(request, found, {"outcome": "Choose whether to grant or decline the visa."})
    form: VisaGrantForm | VisaDeclineForm
    if outcome == "granted":
        form = VisaGrantForm(request.POST, auto_id="%s")
        forms = {"grant": form}
    else:
        form = VisaDeclineForm(request.POST, auto_id="%s")
        forms = {"decline": form}
    try:
        if not form.is_valid():
            return _render_visa(request, found, **forms)
        if isinstance(form, VisaGrantForm):
            visas.visa_grant(request=found, by=user, valid_until=form.cleaned_data["valid_until"],
                             conditions=form.cleaned_data["conditions"])
            message = "You granted the visa: the worker and the employer have been emailed the decision letter."
        else:
            visas.visa_decline(request=found, by=user, reasons=form.cleaned_data["reasons"])
            message = "You declined the visa: the worker and the employer have been emailed the reasons."
    except InvalidInput as exc:
        errors_onto(form, exc)
        return _render_visa(request, found, **forms)
    except (LifecycleError, ConcurrentChange, Refused) as exc:
        return _render_visa(request, found, {"status": str(exc)}, **forms)
    messages.success(request, message)
    return redirect("web:inz-visa", reference=found.reference)
