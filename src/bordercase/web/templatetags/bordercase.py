from __future__ import annotations

from django import template

from bordercase.cases.lifecycle import TRANSITIONS, State

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
    if transition in TRANSITIONS:
        return TRANSITIONS[transition].done
    return "Started as a draft" if transition == "create" else transition.replace("_", " ").capitalize()


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
