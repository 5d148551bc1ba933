"""The public rules pages (no sign-in): the rules explorer as at any date, and the eligibility checker.

The rules are the policy package's, read through cases.services.rules; these views read the date and the answers,
call it and show what it says. The checker stores nothing: answers go into the session only when the person asks
to start a request with them (web.rules_carry).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bordercase.cases.services.rules import (
    as_at_read,
    eligibility,
    not_in_force,
    rules_scheme,
    rules_schemes,
    rules_today,
)
from bordercase.lib.errors import InvalidInput
from bordercase.policy.editions import RulesAt, rules_at, takes_effect
from bordercase.policy.scheme import Scheme
from bordercase.web.plumbing import posted_data
from bordercase.web.questions import QuestionsForm
from bordercase.web.rules_carry import answers_keep
from bordercase.web.rules_forms import AS_AT_LEGEND, AsAtForm, CheckerForm, LodgingDateForm

_DATE_BOXES = ["as_at_day", "as_at_month", "as_at_year"]
_NOT_CARRIED = {"csrfmiddlewaretoken", "change"}
_TYPES = {
    "text": "Text", "number": "A number", "money": "An amount in NZ$", "date": "A date", "yes_no": "Yes or no",
    "choice": "One of the options", "multi_choice": "Any of the options", "anzsco": "An ANZSCO code",
    "person": "A person", "people": "A list of people",
}


@require_GET
def rules_index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/rules/index.html", {"schemes": rules_schemes(), "today": rules_today()})


def _asked_date(request: HttpRequest) -> tuple[AsAtForm, dt.date, str]:
    """The date asked for (``?as_at=YYYY-MM-DD`` or the date boxes), today when none, and what is wrong if bad."""
    if any(request.GET.get(f"as_at_{part}") for part in ("day", "month", "year")):
        form = AsAtForm(request.GET)
        if form.is_valid():
            return form, form.cleaned_data["as_at"] or rules_today(), ""
        # The date rule's own words come last, after any of Django's about a box's length.
        return form, rules_today(), form.errors["as_at_day"][-1]
    try:
        day = as_at_read(request.GET.get("as_at"))
    except InvalidInput:
        return AsAtForm(), rules_today(), (f"{AS_AT_LEGEND} must be written as YYYY-MM-DD, like 2021-08-01, or "
                                           "typed in the boxes as a day, month and year")
    return AsAtForm(initial=AsAtForm.date_initial("as_at", day)), day, ""


@require_GET
def rules_scheme_page(request: HttpRequest, code: str) -> HttpResponse:
    scheme = rules_scheme(code)
    form, day, error = _asked_date(request)
    rules = rules_at(scheme, day)
    context = {"scheme": scheme, "rules": rules, "form": form, "date_group": form.date_groups["as_at"],
               "error": error, "date_bad": _DATE_BOXES if error else [], **_explained(rules)}
    return render(request, "web/rules/scheme.html", context)


def _explained(rules: RulesAt) -> dict[str, Any]:
    """What the explorer shows of the rules, in words: each value as people write it."""
    scheme = rules.scheme
    parameters = [{
        "name": p.name, "title": p.name.replace("_", " ").capitalize(), "description": p.parameter.description,
        "current": value_text(p.current.value, p.parameter.unit) if p.current else None,
        "values": [{"from": v.effective_from, "value": value_text(v.value, p.parameter.unit),
                    "reference": v.reference, "note": v.note, "in_force": v == p.current}
                   for v in p.parameter.values],
    } for p in rules.parameters]
    changes = [{"name": c.parameter.name, "title": c.parameter.name.replace("_", " ").capitalize(),
                "before": value_text(c.before.value, c.parameter.unit) if c.before else "None",
                "after": value_text(c.after.value, c.parameter.unit), "reference": c.after.reference}
               for c in rules.changes]
    questions = [{"label": q.label, "name": q.name, "type": _TYPES.get(q.type, q.type), "required": q.required,
                  "hint": q.hint, "options": [label for _, label in rules.options(q)]}
                 for q in scheme.questions.values()]
    rules_of_answers = [
        f"{'Exactly' if r.kind == 'exactly_one_of' else 'At most'} one of: "
        + ", ".join(scheme.questions[n].label for n in r.names)
        for r in scheme.answer_rules]
    current = {p["name"]: p["current"] for p in parameters}
    criteria = [{"at": c, "uses": [(name, current[name] or "no value yet") for name in c.criterion.reads]}
                for c in rules.criteria]
    # A parameter's name is one long word; a break after each underscore keeps a 320 px page from scrolling sideways.
    names = [*scheme.parameters, *scheme.questions]
    breakable = {name: mark_safe(escape(name).replace("_", "_<wbr>")) for name in names}  # noqa: S308 - escaped first
    return {"parameters": parameters, "changes": changes, "questions": questions, "answer_rules": rules_of_answers,
            "criteria": criteria, "breakable": breakable}


def value_text(value: Any, unit: str) -> str:
    """A parameter's value as a person reads it: NZ$120,000, NZ$27.00 an hour, Yes, 14 days."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        if not value:
            return "None"
        return "; ".join(f"{key}: {value_text(item, unit)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(value_text(item, unit) for item in value) if value else "None"
    if unit in {"nzd_per_year", "nzd_per_hour"} and isinstance(value, int | float | Decimal):
        amount = f"NZ${Decimal(str(value)):,.2f}"
        return f"{amount} an hour" if unit == "nzd_per_hour" else amount.removesuffix(".00")
    words = {"hours": "hours", "hours_per_week": "hours a week", "months": "months", "days": "days"}
    if unit in words and isinstance(value, int | float | Decimal):
        return f"{value:,} {words[unit]}"
    if isinstance(value, int | float | Decimal):
        return f"{value:,}"
    return str(value)


@require_http_methods(["GET", "POST"])
def rules_check(request: HttpRequest, code: str) -> HttpResponse:
    scheme = rules_scheme(code)
    data = posted_data(request)
    dates = LodgingDateForm(data, initial=LodgingDateForm.date_initial("as_at", rules_today()))
    day = rules_today()
    if data is not None and dates.is_valid():
        day = dates.cleaned_data["as_at"] or day
    if data is None:
        return _check_page(request, scheme, CheckerForm(scheme, {}, as_at=_listing_day(scheme, day)), dates)
    if "change" in data:
        # Back from the outcome to change the answers: the same answers, shown without complaints until checked.
        carried = QuestionsForm(scheme, {}, data=data)
        answers = carried.answers() if carried.is_valid() else {}
        return _check_page(request, scheme, CheckerForm(scheme, answers, as_at=_listing_day(scheme, day)),
                           LodgingDateForm(initial=LodgingDateForm.date_initial("as_at", day)))
    form = CheckerForm(scheme, {}, data=data, as_at=_listing_day(scheme, day))
    valid = form.is_valid() & dates.is_valid()
    if not valid and dates.is_valid() and not_in_force(scheme, day):
        dates.add_error("as_at_day", not_in_force(scheme, day))
    if valid:
        try:
            evaluation, trace = eligibility(scheme, form.answers(), day)
        except InvalidInput as exc:
            for field, message in exc.errors.items():
                if field == "as_at":
                    dates.add_error("as_at_day", message)
                else:
                    form.add_error(None, message)
        else:
            hidden = [(name, value) for name in data for value in data.getlist(name) if name not in _NOT_CARRIED]
            return render(request, "web/rules/check_result.html", {
                "scheme": scheme, "evaluation": evaluation, "trace": trace, "hidden": hidden,
                "trace_rows": [{"read": r, "shown": _read_text(scheme, r.parameter, r.value)} for r in trace],
            })
    return _check_page(request, scheme, form, dates)


def _listing_day(scheme: Scheme, day: dt.date) -> dt.date:
    """The date whose lists offer a question's options: before the rules took effect there are none to offer, so
    the first rules' (the date itself is refused when the answers are checked against it)."""
    return max(day, takes_effect(scheme))


def _read_text(scheme: Scheme, name: str, value: Any) -> str:
    return value_text(value, scheme.parameters[name].unit)


def _check_page(request: HttpRequest, scheme: Scheme, form: CheckerForm, dates: LodgingDateForm) -> HttpResponse:
    errors = [(field.id_for_label or field.auto_id, error)
              for field in form for error in field.errors]
    errors[:0] = [(form.blocks[0].fields[0].id_for_label, e) for e in form.non_field_errors()]
    date_errors = dates.errors.get("as_at_day", []) if dates.is_bound else []
    # The date rule's own words come last, after any of Django's about a box's length: one message is enough.
    date_error = date_errors[-1] if date_errors else ""
    if date_error:
        errors.insert(0, (dates["as_at_day"].id_for_label, date_error))
    return render(request, "web/rules/check.html", {
        "scheme": scheme, "form": form, "date_group": dates.date_groups["as_at"], "errors": errors,
        "date_error": date_error, "date_bad": _DATE_BOXES if date_error else [],
    })


@require_POST
def rules_check_start(request: HttpRequest, code: str) -> HttpResponse:
    """Keep the checked answers for the request the person is about to start (after signing in, if they must)."""
    scheme = rules_scheme(code)
    form = CheckerForm(scheme, {}, data=request.POST)
    if not form.is_valid():
        return redirect("web:rules-check", code=scheme.id)
    answers_keep(request.session, scheme.id, form.answers())
    return redirect(reverse("web:start-request") + f"?scheme={scheme.id}")
