"""A v2 ballot round's own steps on the pages: naming observers, each holder's commitment and secret, and cancelling.

The administrator takes these on the round's page; an observer, who is not an administrator, has a page of their
own for the round. Each view parses the form and calls one service in cases.services.declared_rounds.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from bordercase.accounts.roles import is_administrator
from bordercase.cases.lifecycle import LifecycleError
from bordercase.cases.models import AllocationRound
from bordercase.cases.services import declared_rounds
from bordercase.lib.errors import ConcurrentChange, InvalidInput, NotFound, Refused
from bordercase.web.administration_views import administrator_or_404
from bordercase.web.allocation_forms import CancelForm, CommitmentForm, ObserverForm, RevealForm
from bordercase.web.allocation_views import round_of, round_step_failed
from bordercase.web.forms import errors_among
from bordercase.web.plumbing import user_of

FAILED = (InvalidInput, ConcurrentChange, Refused, LifecycleError)


def _holding(request: HttpRequest, code: str, number: int) -> AllocationRound:
    """The round, for someone who holds a secret in it; 404 for anyone else."""
    found = round_of(code, number)
    try:
        declared_rounds.holder_of(found, user_of(request))
    except NotFound as exc:
        raise Http404("You hold no secret for this round") from exc
    return found


def _back(request: HttpRequest, found: AllocationRound) -> HttpResponse:
    # An administrator works on the round's page; an observer on their own.
    page = "web:round" if is_administrator(user_of(request)) else "web:round-holder"
    return redirect(page, code=found.scheme.code, number=found.number)


@login_required
@require_POST
def observer_add(request: HttpRequest, code: str, number: int) -> HttpResponse:
    user = administrator_or_404(request)
    found = round_of(code, number)
    form = ObserverForm(request.POST)
    if not form.is_valid():
        return round_step_failed(request, found, None, observer_form=form)
    try:
        holder = declared_rounds.observer_add_by_email(round_=found, email=form.cleaned_data["email"], by=user)
    except FAILED as exc:
        return round_step_failed(request, found, exc, observer_form=form)
    messages.success(request, f"{holder.user.email} holds secret {holder.position}. Send them the link to their "
                              f"page for the round: {request.build_absolute_uri(_holder_path(found))}")
    return redirect("web:round", code=code, number=number)


def _holder_path(found: AllocationRound) -> str:
    return reverse("web:round-holder", kwargs={"code": found.scheme.code, "number": found.number})


@login_required
@require_GET
def holder_page(request: HttpRequest, code: str, number: int) -> HttpResponse:
    return _render_holder(request, _holding(request, code, number))


def _render_holder(request: HttpRequest, found: AllocationRound, errors: dict[str, str] | None = None,
                   commitment_form: CommitmentForm | None = None, reveal_form: RevealForm | None = None
                   ) -> HttpResponse:
    context = {"round": found, "scheme": found.scheme, "errors": errors or {},
               "declared": declared_rounds.declared_round(found, user_of(request)),
               "form": commitment_form or reveal_form,
               "commitment_form": commitment_form or CommitmentForm(), "reveal_form": reveal_form or RevealForm()}
    return render(request, "web/allocation/holder.html", context)


def _failed(request: HttpRequest, found: AllocationRound, exc: Exception | None, **forms: Any) -> HttpResponse:
    if is_administrator(user_of(request)):
        return round_step_failed(request, found, exc, **forms)
    errors = (errors_among(forms.values(), exc) if isinstance(exc, InvalidInput) else
              {} if exc is None else {"round": str(exc)})
    return _render_holder(request, found, errors, **forms)


@login_required
@require_POST
def commitment_enter(request: HttpRequest, code: str, number: int) -> HttpResponse:
    found = _holding_or_administering(request, code, number)
    form = CommitmentForm(request.POST)
    if not form.is_valid():
        return _failed(request, found, None, commitment_form=form)
    try:
        committed = declared_rounds.commitment_enter(round_=found, by=user_of(request),
                                                     commitment=form.cleaned_data["commitment"])
    except FAILED as exc:
        return _failed(request, found, exc, commitment_form=form)
    if not committed.secret:
        messages.success(request, "Your commitment is entered. Keep your secret until the draw: the round cannot "
                                  "be drawn without it.")
        return _back(request, found)
    # Shown in this answer and never again: bordercase keeps only the commitment, so nothing stores the secret.
    response = render(request, "web/allocation/secret.html", {"round": found, "secret": committed.secret,
                                                              "commitment": committed.holder.commitment,
                                                              "back": _back(request, found)["Location"]})
    response["Cache-Control"] = "no-store"
    return response


def _holding_or_administering(request: HttpRequest, code: str, number: int) -> AllocationRound:
    # The administrator becomes the first holder by committing; anyone else must have been named.
    found = round_of(code, number)
    if is_administrator(user_of(request)):
        return found
    return _holding(request, code, number)


@login_required
@require_POST
def secret_reveal(request: HttpRequest, code: str, number: int) -> HttpResponse:
    found = _holding(request, code, number)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _failed(request, found, None, reveal_form=form)
    try:
        declared_rounds.secret_reveal(round_=found, by=user_of(request), secret=form.cleaned_data["secret"])
    except FAILED as exc:
        return _failed(request, found, exc, reveal_form=form)
    messages.success(request, "Your secret matches your commitment and is entered. The round is drawn once every "
                              "holder's is in and the beacon round is out.")
    return _back(request, found)


@login_required
@require_POST
def round_cancel(request: HttpRequest, code: str, number: int) -> HttpResponse:
    user = administrator_or_404(request)
    found = round_of(code, number)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return round_step_failed(request, found, None, cancel_form=form)
    try:
        declared_rounds.round_cancel(round_=found, by=user, reason=form.cleaned_data["reason"])
    except FAILED as exc:
        return round_step_failed(request, found, exc, cancel_form=form)
    messages.success(request, f"Round {number} is cancelled. Its public page says why; its requests stay eligible "
                              "for the next round, which must declare a later beacon round.")
    return redirect("web:round", code=code, number=number)
