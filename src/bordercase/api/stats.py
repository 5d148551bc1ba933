"""The official statistics in the API: the same figures as the public page, with the same protection of small
counts, for anyone (no token)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from bordercase.cases.errors import InvalidInput
from bordercase.reporting.figures import figures
from bordercase.reporting.public import BadDate, as_at_from, public_disclosure
from bordercase.reporting.tables import figures_json
from bordercase.stats.reports import Period

router = Router(tags=["statistics"])


class PeriodQuery(Schema):
    as_at: str | None = None
    since: str | None = None


@router.get("/stats/summary", auth=None, summary="Every official figure as at a date (default today, NZ time)",
            description="Counts up to the end of as_at in New Zealand time; with since, only from the start of that "
            "day. Small counts are protected as on the public page: null is a count too small to publish.")
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
