from __future__ import annotations

from typing import Any

from django import template

from bordercase.cases.lifecycle import State
from bordercase.cases.lifecycle import event_title as lifecycle_event_title
from bordercase.cases.models import Event

register = template.Library()

_TAG_COLOUR = {
    State.DRAFT: "grey",
    State.LODGED: "blue",
    State.IN_ASSESSMENT: "light-blue",
    State.INFO_REQUESTED: "yellow",
    State.DECLINED: "red",
    State.ELIGIBLE: "green",
    State.ALLOCATED: "green",
    State.WAITLISTED: "purple",
    State.RECOMMENDED: "turquoise",
    State.INVITED: "turquoise",
    State.TRAVEL_REQUESTED: "pink",
    State.VISA_GRANTED: "green",
    State.VISA_DECLINED: "red",
    State.WITHDRAWN: "grey",
    State.LAPSED: "grey",
}


@register.inclusion_tag("web/includes/status_tag.html")
def status_tag(status: str) -> dict[str, str]:
    state = State(status)
    return {"label": state.label, "colour": _TAG_COLOUR[state]}


@register.filter
def event_title(transition: str) -> str:
    return lifecycle_event_title(transition)


_FINDING = {"met": ("Met", "green"), "not_met": ("Not met", "red"), "needs_review": ("Needs review", "yellow")}


@register.inclusion_tag("web/includes/status_tag.html")
def finding_tag(outcome: str) -> dict[str, str]:
    label, colour = _FINDING.get(outcome, (outcome, "grey"))
    return {"label": label, "colour": colour}


@register.filter
def criterion_title(criterion_id: str) -> str:
    """``salary_threshold`` as "Salary threshold": criterion ids are written to read as names."""
    return criterion_id.replace("_", " ").capitalize()


_OUTCOME = {
    "eligible": "Likely eligible", "ineligible": "Likely ineligible", "needs_review": "Needs an assessor's review",
}


@register.filter
def outcome_label(outcome: str) -> str:
    """An evaluation's outcome as the applicant reads it: the rules pre-assess, they do not decide."""
    return _OUTCOME.get(str(outcome), str(outcome))


@register.filter
def field_anchor(field: str) -> str:
    """The id of the input a service's error is about: ``finding.salary_threshold`` is ``finding-salary_threshold``."""
    return field.replace(".", "-")


_FINDING_LABELS = {"met": "met", "not_met": "not met", "needs_review": "needs review"}


@register.filter
def finding_label(outcome: str) -> str:
    return _FINDING_LABELS.get(outcome, outcome)


@register.filter
def event_detail(event: Event) -> str:
    """What an event that moves no state did: whom a request was assigned to, what a criterion was found."""
    data = event.data or {}
    if event.transition in ("claim", "assign"):
        return f"To {data.get('assignee_name') or 'nobody'}"
    if event.transition == "criterion_finding":
        kind = {"overridden": ", overriding the rules", "resolved": ", where the rules needed review"}.get(
            data.get("kind", ""), "")
        return f"{criterion_title(data.get('criterion', ''))}: {finding_label(data.get('outcome', ''))}{kind}"
    if event.transition == "occupation_finding":
        reopened = data.get("reopened") or []
        again = f"; to confirm again: {', '.join(criterion_title(c).lower() for c in reopened)}" if reopened else ""
        was = f" (was {data['previous']})" if data.get("previous") else ""
        return f"Occupation {data.get('occupation')}{was}{again}"
    if event.transition == "enter_round":
        return f"Round {data.get('round')}, entry {data.get('entry_id')}, weight {data.get('weight')}"
    return ""


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """A posted value by its name, for names with dots (``finding.salary_threshold``) that templates cannot spell."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def figure(value: Any) -> str:
    """A published figure: thousands separated, and "c" for a count too small to publish."""
    if value is None:
        return "c"
    return f"{value:,}" if isinstance(value, int) else str(value)
