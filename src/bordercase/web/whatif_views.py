"""The administrator's what-if (issue 19, item 4): change a scheme's parameters, optionally from a date and as at a
date, and see what that does over the live pool, with a CSV of it.

Only scheme administrators with their second factor reach these pages (the console's gate); anyone else gets a 404.
The form is read by GET, since nothing changes: the same address gives the same report, and its CSV. The view only
parses and renders; reading the changes and running the what-if are cases.services.whatif, as for
`bordercase policy simulate`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bordercase.cases.services.whatif import (
    Report,
    changes_given,
    current_texts,
    policies_for_whatif,
    policy_for_whatif,
    whatif_parameters,
    whatif_run,
)
from bordercase.lib.errors import InvalidInput
from bordercase.policy.scheme import Scheme as Policy
from bordercase.web.administration_views import administrator_or_404
from bordercase.web.forms import DatesForm, errors_onto

CHANCES_SHOWN = 200
WORDS = {"eligible": "Eligible", "ineligible": "Ineligible", "needs_review": "Needs review", "met": "Met",
         "not_met": "Not met", "ballot": "Ballot", "order_of_receipt": "Order of receipt"}


def _words(value: str) -> str:
    return WORDS.get(value, value)


def _shown(report: Report) -> dict[str, Any]:
    """The report's tables in the page's words."""
    outcomes = report.outcomes
    shown: dict[str, Any] = {
        "outcome_rows": [{"from": _words(a), "to": _words(b), "requests": n}
                         for (a, b), n in sorted(outcomes.outcomes.items())],
        "criterion_rows": [{"name": c.replace("_", " ").capitalize(), "from": _words(a), "to": _words(b),
                            "requests": n} for (c, a, b), n in sorted(outcomes.criteria.items())],
        "category_rows": [{"name": c or "(none)", "from": _words(a), "to": _words(b), "requests": n}
                          for (c, a, b), n in sorted(outcomes.categories.items())],
    }
    places = report.places
    if places is not None:
        moved = [e for e in places.chances if abs(e.chance_after - e.chance_before) >= 0.0005]
        shown.update(chances=moved[:CHANCES_SHOWN], chances_moved=len(moved), chances_shown=CHANCES_SHOWN,
                     method_before=_words(places.before.method), method_after=_words(places.after.method),
                     margin_percent=f"{places.margin * 100:.1f}")
    return shown


class WhatIfForm(DatesForm):
    """One box per parameter that can move an outcome or a place, holding its value now; the ones changed are the
    what-if."""

    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "applies_from": ("Changes apply from (optional)", "Before this day the parameters keep their own values. "
                         "Leave it empty for the changes to apply at every date. For example, 1 3 2022.", ""),
        "as_at": ("Evaluate as at (optional)", "Every request is evaluated under the rules in force on this day. "
                  "Leave it empty to evaluate each as at the day it was lodged. For example, 1 3 2022.", ""),
    }
    field_order: ClassVar[list[str]] = []

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parameter_names = whatif_parameters(policy)
        for name in self.parameter_names:
            parameter = policy.parameters[name]
            self.fields[name] = forms.CharField(
                label=name.replace("_", " ").capitalize(), required=False, max_length=2000,
                help_text=f"{parameter.description} ({parameter.unit.replace('_', ' ')})")
        self.order_fields([*self.parameter_names])

    def parameter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.parameter_names]


@login_required
@require_GET
def schemes_page(request: HttpRequest) -> HttpResponse:
    administrator_or_404(request)
    return render(request, "web/administration/whatif_schemes.html", {"policies": policies_for_whatif()})


def _policy(code: str) -> Policy:
    try:
        return policy_for_whatif(code)
    except InvalidInput:
        raise Http404("No scheme with rules by that code") from None


def _report(request: HttpRequest, policy: Policy) -> tuple[WhatIfForm, Report | None]:
    """The form (bound once the administrator has asked) and, when it holds no error, the report."""
    if "run" not in request.GET:
        return WhatIfForm(policy=policy, initial=current_texts(policy, None)), None
    form = WhatIfForm(request.GET, policy=policy)
    if not form.is_valid():
        return form, None
    as_at: dt.date | None = form.cleaned_data["as_at"]
    given = {name: form.cleaned_data[name] for name in form.parameter_names}
    try:
        changes = changes_given(policy, given, applies_from=form.cleaned_data["applies_from"])
    except InvalidInput as exc:
        errors_onto(form, exc)
        return form, None
    return form, whatif_run(policy, changes, as_at=as_at)


@login_required
@require_GET
def whatif_page(request: HttpRequest, code: str) -> HttpResponse:
    administrator_or_404(request)
    policy = _policy(code)
    form, report = _report(request, policy)
    context: dict[str, Any] = {"policy": policy, "form": form, "report": report, "query": request.GET.urlencode()}
    if report is not None:
        context.update(_shown(report))
    return render(request, "web/administration/whatif.html", context)


@login_required
@require_GET
def whatif_export(request: HttpRequest, code: str) -> HttpResponse:
    administrator_or_404(request)
    policy = _policy(code)
    form, report = _report(request, policy)
    if report is None:
        # The page says what is wrong with the changes; a CSV cannot.
        return render(request, "web/administration/whatif.html",
                      {"policy": policy, "form": form, "report": None, "query": request.GET.urlencode()},
                      status=400 if "run" in request.GET else 200)
    response = HttpResponse(report.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="what-if-{policy.id}.csv"'
    return response
