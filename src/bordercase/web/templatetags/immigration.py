"""Template filters for Immigration NZ's side of a request."""

from __future__ import annotations

from django import template

from bordercase.cases.models import Request
from bordercase.immigration.services.status import journey_of

register = template.Library()


@register.filter
def journey_summary(request: Request) -> str:
    """"Step 4 of 7: Recommended to Immigration NZ", read from ``ended_from`` when the list annotated it."""
    return journey_of(request).summary
