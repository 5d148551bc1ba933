"""Moving a request through its lifecycle: ``request_transition`` and what a move that gives up a place sets off.

Each transition is made by the service that owns its work (lodging, assessment, allocation, Immigration NZ's);
withdrawing and lapsing, which need nothing more, are here."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from bordercase.cases.lifecycle import State
from bordercase.cases.models import Request
from bordercase.cases.services.events import Actor
from bordercase.cases.services.moves import Work, request_move
from bordercase.cases.services.reallocation import place_given_up


def request_transition(
    *, request: Request, name: str, by: Actor, reason: str = "", data: dict[str, Any] | None = None,
    work: Work | None = None,
) -> Request:
    """Make one transition, or raise a lifecycle error and change nothing.

    The request row is locked, re-read and updated only if still in the state that was checked, so two people
    acting at once cannot both move it; a place the move gives up goes down the round's waitlist in the same
    transaction, so it is never both given up and not passed on.
    """
    with transaction.atomic():
        moved, event = request_move(request=request, name=name, by=by, reason=reason, data=data, work=work)
        place_given_up(request=moved, from_state=State(event.from_state), to_state=State(event.to_state))
    return moved


def request_withdraw(*, request: Request, by: Actor, reason: str = "") -> Request:
    return request_transition(request=request, name="withdraw", by=by, reason=reason)


def request_lapse(*, request: Request, by: Actor, reason: str, data: dict[str, Any] | None = None) -> Request:
    """End a request that has gone quiet: an invitation that expired unused, or by an officer or administrator."""
    return request_transition(request=request, name="lapse", by=by, reason=reason, data=data)
