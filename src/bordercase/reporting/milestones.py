"""Keeping each request's milestones as its lifecycle moves: called inside the transition's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bordercase.cases.allocation import place_released, waitlist_given_up
from bordercase.cases.lifecycle import TRANSITIONS
from bordercase.cases.models import Event, Request
from bordercase.lib.rows import rows_insert
from bordercase.reporting.models import Milestones
from bordercase.workdays import working_days_waited


def event_recorded(sender: type[Event], instance: Event, created: bool, **kwargs: Any) -> None:
    """Project a request's new event onto its milestones, in the transaction that recorded it.

    Connected to the event's post_save (ReportingConfig.ready), so the write layer records events and never calls
    up into reporting. Events that move no request through its lifecycle (a claim, a finding) change nothing.
    """
    if created and instance.transition in TRANSITIONS:
        milestone_record(instance.request, instance.transition, instance.from_state, instance.to_state, instance.at)


def milestone_record(request: Request, transition: str, from_state: str, to_state: str, at: dt.datetime) -> None:
    if transition == "lodge":
        # A request is lodged once (only a draft can be), so its row is new.
        rows_insert(Milestones(request=request, category=request.scheme.code, lodged_at=at))
        return
    changes = _changes(request, transition, at)
    if from_state and request.scheme.places is not None:
        # Who holds a place is the allocation's rule (cases.allocation), whichever transition made the move.
        if place_released(from_state, to_state):
            changes["place_released_at"] = at
        elif waitlist_given_up(from_state, to_state):
            changes["waitlist_left_at"] = at
    if changes:
        Milestones.objects.filter(request=request).update(**changes)


def _changes(request: Request, transition: str, at: dt.datetime) -> dict[str, Any]:
    if transition in ("decline", "find_eligible"):
        waited = working_days_waited(request.lodged_at, at) if request.lodged_at else None
        return {"decision": "declined" if transition == "decline" else "eligible", "decided_at": at,
                "decision_working_days": waited}
    if transition in ("grant_visa", "decline_visa"):
        return {"visa": "granted" if transition == "grant_visa" else "declined", "visa_decided_at": at}
    if transition == "invite":
        return {"invited_at": at}
    if transition == "allocate":
        return {"allocated_at": at}
    if transition == "promote":
        return {"allocated_at": at, "waitlist_left_at": at}
    if transition == "waitlist":
        return {"waitlisted_at": at}
    return {}
