"""The scheme administrator's console: intake windows (close now, extend) and the record of every change.

Only scheme administrators see these pages; anyone else gets a 404. Each view parses its form and calls one
service in cases.services (windows, administration), which decides and records; the view shows the result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from bordercase.accounts.models import User
from bordercase.cases.errors import InvalidInput
from bordercase.cases.models import IntakeWindow, Scheme
from bordercase.cases.services import rounds
from bordercase.cases.services.administration import actions_recent
from bordercase.cases.services.windows import scheme_intake, window_close, window_close_effect, window_extend
from bordercase.cases.windows import NZ
from bordercase.web.travel_forms import TravelForm

_REASON_HINT = "Kept in the activity record with your name, for anyone who later asks why."


def _administrator(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not rounds.is_administrator(user):
        raise Http404("No administration pages for this user")
    return user


def _reason() -> forms.CharField:
    return forms.CharField(label="Why", help_text=_REASON_HINT, max_length=2000, widget=forms.Textarea,
                           error_messages={"required": "Say why: the activity record keeps the reason for every "
                                                       "change"})


class CloseForm(forms.Form):
    reason = _reason()


class ExtendForm(TravelForm):
    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "closes": ("New closing date", "Intake closes at 11:59 pm New Zealand time on this day. For example, "
                   "31 8 2022.", "Enter the new closing date")}
    reason = _reason()


@login_required
@require_GET
def windows_page(request: HttpRequest) -> HttpResponse:
    _administrator(request)
    now = timezone.now()
    schemes = [{"scheme": s, "intake": scheme_intake(s, now), "windows": list(s.windows.all())}
               for s in Scheme.objects.prefetch_related("windows").order_by("title")]
    return render(request, "web/administration/windows.html", {"schemes": schemes, "now": now})


def _scheme(code: str) -> Scheme:
    found = Scheme.objects.filter(code=code).first()
    if found is None:
        raise Http404("No scheme by that code")
    return found


@login_required
@require_http_methods(["GET", "POST"])
def window_close_page(request: HttpRequest, code: str) -> HttpResponse:
    user = _administrator(request)
    scheme = _scheme(code)
    try:
        effect = window_close_effect(scheme)
    except InvalidInput:
        messages.info(request, f"{scheme.title} has no window open now, so there is nothing to close.")
        return redirect("web:admin-windows")
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            window_close(scheme=scheme, by=user, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, f"{scheme.title}'s intake is closed: no request can be lodged from now on.")
            return redirect("web:admin-windows")
    return render(request, "web/administration/window_close.html",
                  {"scheme": scheme, "effect": effect, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def window_extend_page(request: HttpRequest, window_id: int) -> HttpResponse:
    user = _administrator(request)
    window = IntakeWindow.objects.select_related("scheme").filter(pk=window_id).first()
    if window is None:
        raise Http404("No such window")
    form = ExtendForm(request.POST or None, initial=ExtendForm.date_initial("closes", window.closes_at.astimezone(
        NZ).date()))
    if request.method == "POST" and form.is_valid():
        day: dt.date = form.cleaned_data["closes"]
        closes = dt.datetime.combine(day, dt.time(23, 59), tzinfo=NZ)
        try:
            window_extend(window=window, closes_at=closes, by=user, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            form.service_errors(exc.errors)
        else:
            messages.success(request, f"{window.scheme.title}'s window now closes at 11:59 pm on "
                                      f"{day:%-d %B %Y} (New Zealand time).")
            return redirect("web:admin-windows")
    return render(request, "web/administration/window_extend.html", {"window": window, "form": form})


def _errors_onto(form: forms.Form, exc: InvalidInput) -> None:
    for key, message in exc.errors.items():
        form.add_error(key if key in form.fields else None, message)


@login_required
@require_GET
def activity_page(request: HttpRequest) -> HttpResponse:
    _administrator(request)
    context: dict[str, Any] = {"actions": actions_recent()}
    return render(request, "web/administration/activity.html", context)
