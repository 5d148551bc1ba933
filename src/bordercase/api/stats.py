"""The official statistics in the API: the same figures as the public page, with the same protection of small
counts, for anyone (no token)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from bordercase.lib.errors import InvalidInput
from bordercase.reporting.figures import figures
from bordercase.reporting.public import BadDate, as_at_from, public_disclosure
from bordercase.reporting.tables import figures_json
from bordercase.stats.reports import Period

router = Router(tags=["statistics"])


class PeriodQuery(Schema):
    as_at: str | None = Field(None, max_length=10, description="YYYY-MM-DD; default today in New Zealand")
    since: str | None = Field(None, max_length=10, description="YYYY-MM-DD: count only from the start of this day")


Count = int | None


class CountsOut(Schema):
    lodged: Count
    declined: Count
    found_eligible: Count
    invited: Count
    visas_granted: Count
    visas_declined: Count


class PlacesOut(Schema):
    scheme: str
    places: int = Field(description="The scheme's cap")
    allocated: Count = Field(description="Requests holding a place")
    waitlisted: Count


class ProcessingOut(Schema):
    decided: Count
    median_working_days: float | None = Field(description="null when nothing was decided in the period")
    p90_working_days: float | None


class SummaryOut(Schema):
    as_at: date
    since: date | None
    time_zone: str = Field(description="Pacific/Auckland: days begin and end at New Zealand midnight")
    disclosure: str = Field(description="How small counts are protected: none, suppress or round3")
    total: CountsOut
    by_category: dict[str, CountsOut] = Field(description="By scheme or EOI category code")
    places: list[PlacesOut]
    processing_times: ProcessingOut
    offshore_visa_holders: dict[str, Count] = Field(description="By visa type")


@router.get("/stats/summary", auth=None, response=SummaryOut,
            summary="Every official figure as at a date (default today, NZ time)",
            description="Counts up to the end of as_at in New Zealand time; with since, only from the start of that "
            "day. Small counts are protected as on the public page: null (a Count) is a count too small to publish.")
def stats_summary(request: HttpRequest, period: Query[PeriodQuery]) -> dict[str, Any]:
    try:
        until = as_at_from(period.as_at)
    except BadDate as exc:
        raise InvalidInput({"as_at": str(exc)}) from exc
    try:
        since = as_at_from(period.since) if period.since else None
    except BadDate as exc:
        raise InvalidInput({"since": str(exc)}) from exc
    if since and since > until:
        raise InvalidInput({"since": "since is after as_at, so the period is empty: swap them."})
    return figures_json(figures(Period(until, since)), public_disclosure())
