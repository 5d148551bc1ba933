"""The scheme administrator's allocation pages: each scheme's rounds, and the page that takes a round a step on.

Only scheme administrators see them; anyone else gets a 404. Each view parses the form, calls one service in
cases.services.allocation and shows its errors by the field they name.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bordercase.accounts.models import User
from bordercase.cases.lifecycle import LifecycleError
from bordercase.cases.models import AllocationRound, Scheme
from bordercase.cases.services import allocation, declared_rounds, rounds
from bordercase.cases.services.windows import scheme_intake
from bordercase.lib.errors import ConcurrentChange, InvalidInput, Refused
from bordercase.web.administration_views import administrator_or_404
from bordercase.web.allocation_forms import (
    BeaconForm,
    CancelForm,
    CommitmentForm,
    DrawForm,
    ObserverForm,
    PublishForm,
    RevealForm,
    SignatureForm,
)
from bordercase.web.forms import errors_among
from bordercase.web.plumbing import user_of

Status = AllocationRound.Status


def _scheme(code: str) -> Scheme:
    found = next((s for s in rounds.allocating_schemes() if s.code == code), None)
    if found is None:
        raise Http404("No scheme with allocation rounds by that code")
    return found


def round_of(code: str, number: int) -> AllocationRound:
    try:
        return rounds.round_get(_scheme(code).code, number)
    except AllocationRound.DoesNotExist as exc:
        raise Http404("No such round") from exc


@login_required
@require_GET
def rounds_page(request: HttpRequest) -> HttpResponse:
    administrator_or_404(request)
    return _render_rounds(request, {})


def _render_rounds(request: HttpRequest, errors: dict[str, str]) -> HttpResponse:
    schemes = [{"scheme": s, "rounds": rounds.rounds_of(s), "remaining": rounds.places_remaining(s),
                "in_progress": rounds.round_in_progress(s),
                "eligible": rounds.eligible_count(s), "still_assessed": rounds.still_assessed(s),
                "method": rounds.parameter_today(s, "allocation_method", "ballot")}
               for s in rounds.allocating_schemes()]
    return render(request, "web/allocation/rounds.html", {"schemes": schemes, "errors": errors})


@login_required
@require_POST
def round_open(request: HttpRequest, code: str) -> HttpResponse:
    user = administrator_or_404(request)
    scheme = _scheme(code)
    try:
        opened = allocation.round_open(scheme=scheme, by=user)
    except InvalidInput as exc:
        return _render_rounds(request, {f"open-{scheme.code}": " ".join(exc.errors.values())})
    messages.success(request, f"Round {opened.number} of {scheme.title} is open. Freeze its pool once intake has "
                              "closed.")
    return redirect("web:round", code=scheme.code, number=opened.number)


@login_required
@require_GET
def round_page(request: HttpRequest, code: str, number: int) -> HttpResponse:
    administrator_or_404(request)
    return _render_round(request, round_of(code, number))


def _render_round(request: HttpRequest, found: AllocationRound, errors: dict[str, str] | None = None,
                  **forms: Any) -> HttpResponse:
    scheme = found.scheme
    declared = declared_rounds.declared_round(found, user_of(request))
    defaults = {"publish_form": PublishForm(), "draw_form": DrawForm(), "observer_form": ObserverForm(),
                "commitment_form": CommitmentForm(), "reveal_form": RevealForm(), "cancel_form": CancelForm(),
                "beacon_form": BeaconForm(initial={"beacon_round": declared.beacon_suggested} if declared else None),
                "signature_form": SignatureForm()}
    context: dict[str, Any] = {
        **defaults, **forms,
        "round": found, "scheme": scheme, "errors": errors or {}, "form": next(iter(forms.values()), None),
        "declared": declared,
        "intake": scheme_intake(scheme), "eligible": rounds.eligible_count(scheme),
        "still_assessed": rounds.still_assessed(scheme), "remaining": rounds.places_remaining(scheme),
        "entries": rounds.entry_count(found), "counts": rounds.result_counts(found),
        "is_ballot": found.method == AllocationRound.Method.BALLOT,
        # Shown while the round is open, so the administrator sees what freezing will fix before anything is fixed.
        "settings": rounds.settings_today(scheme) if found.status == AllocationRound.Status.OPEN else None,
    }
    # Refused answers are 200, as on the other staff pages: the page is fine, the step needs another try.
    return render(request, "web/allocation/round.html", context)


def round_step_failed(request: HttpRequest, found: AllocationRound, exc: Exception | None, **forms: Any
                      ) -> HttpResponse:
    """The round's page again with what went wrong: a service's errors on the form fields they name, the rest
    above; with no exception, the forms' own errors."""
    if exc is None:
        return _render_round(request, found, None, **forms)
    if isinstance(exc, InvalidInput):
        return _render_round(request, found, errors_among(forms.values(), exc), **forms)
    return _render_round(request, found, {"round": str(exc)}, **forms)


@login_required
@require_POST
def round_freeze(request: HttpRequest, code: str, number: int) -> HttpResponse:
    user = administrator_or_404(request)
    found = round_of(code, number)
    try:
        frozen = allocation.round_freeze(round_=found, by=user)
    except (InvalidInput, ConcurrentChange, Refused, LifecycleError) as exc:
        return round_step_failed(request, found, exc)
    if frozen.status == Status.ALLOCATED:
        messages.success(request, f"The pool is frozen with {rounds.entry_count(frozen)} entries for "
                                  f"{frozen.places} places: every entry has been allocated a place, with no draw.")
    else:
        messages.success(request, f"The pool is frozen with {rounds.entry_count(frozen)} entries for "
                                  f"{frozen.places} places. Publish the round next.")
    return redirect("web:round", code=code, number=number)


@login_required
@require_POST
def round_publish(request: HttpRequest, code: str, number: int) -> HttpResponse:
    user = administrator_or_404(request)
    found = round_of(code, number)
    if found.is_v2_ballot:
        return _declaration_publish(request, found, user)
    form = PublishForm(request.POST)
    is_ballot = found.method == AllocationRound.Method.BALLOT
    if is_ballot and not form.is_valid():
        return _render_round(request, found, publish_form=form)
    try:
        published = allocation.round_publish(round_=found, by=user,
                                             declaration=form.cleaned_data["declaration"] if is_ballot else "")
    except (InvalidInput, ConcurrentChange, Refused, LifecycleError) as exc:
        return round_step_failed(request, found, exc, **({"publish_form": form} if is_ballot else {}))
    if not published.secret:
        messages.success(request, "The entries are published. Allocate the places in order of receipt next.")
        return redirect("web:round", code=code, number=number)
    # Shown in this answer and never again: bordercase keeps only the commitment, so nothing stores the secret.
    response = render(request, "web/allocation/secret.html", {"round": published.round, "secret": published.secret})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def round_draw(request: HttpRequest, code: str, number: int) -> HttpResponse:
    user = administrator_or_404(request)
    found = round_of(code, number)
    if found.is_v2_ballot:
        return _draw_v2(request, found, user)
    form = DrawForm(request.POST)
    is_ballot = found.method == AllocationRound.Method.BALLOT
    if is_ballot and not form.is_valid():
        return _render_round(request, found, draw_form=form)
    given = form.cleaned_data if is_ballot else {}  # order of receipt has no secret and no public value
    try:
        drawn = allocation.round_draw(round_=found, by=user, secret=given.get("secret", ""),
                                      public_value=given.get("public_value", ""))
    except (InvalidInput, ConcurrentChange, Refused, LifecycleError) as exc:
        return round_step_failed(request, found, exc, **({"draw_form": form} if is_ballot else {}))
    return _drawn(request, drawn)


def _declaration_publish(request: HttpRequest, found: AllocationRound, user: User) -> HttpResponse:
    form = BeaconForm(request.POST)
    if not form.is_valid():
        return round_step_failed(request, found, None, beacon_form=form)
    try:
        declared_rounds.declaration_publish(round_=found, by=user, beacon_round=form.cleaned_data["beacon_round"])
    except (InvalidInput, ConcurrentChange, Refused, LifecycleError) as exc:
        return round_step_failed(request, found, exc, beacon_form=form)
    messages.success(request, f"Round {found.number} is published with its declaration. Once beacon round "
                              f"{form.cleaned_data['beacon_round']} is out and every holder has revealed their "
                              "secret, draw it.")
    return redirect("web:round", code=found.scheme.code, number=found.number)


def _draw_v2(request: HttpRequest, found: AllocationRound, user: User) -> HttpResponse:
    form = SignatureForm(request.POST)
    if not form.is_valid():
        return round_step_failed(request, found, None, signature_form=form)
    try:
        drawn = declared_rounds.round_draw_v2(round_=found, by=user, signature=form.cleaned_data["signature"])
    except (InvalidInput, ConcurrentChange, Refused, LifecycleError) as exc:
        return round_step_failed(request, found, exc, signature_form=form)
    return _drawn(request, drawn)


def _drawn(request: HttpRequest, drawn: AllocationRound) -> HttpResponse:
    counts = rounds.result_counts(drawn)
    messages.success(request, f"Round {drawn.number} is drawn: {counts['selected']} allocated a place, "
                              f"{counts['waitlisted'] + counts['duplicate']} waitlisted. The employers are being "
                              "emailed.")
    return redirect("web:round", code=drawn.scheme.code, number=drawn.number)
