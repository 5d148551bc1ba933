"""Figures as at a date, or over a period, counted from request records. Pure.

A milestone counts as at a date when it happened by the end of that day in New Zealand, so "as of 10 June" means
what a minister reading the figures on the morning of 11 June would have been told.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from bordercase.stats.records import OffshoreHolder, RequestRecord
from bordercase.workdays import NZ, working_days_waited


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=NZ)


@dataclass(frozen=True)
class Period:
    """From the start of ``since`` (or the beginning) to the end of ``until``, New Zealand time."""

    until: dt.date
    since: dt.date | None = None

    def holds(self, moment: dt.datetime | None) -> bool:
        if moment is None or moment >= end_of_day(self.until):
            return False
        return self.since is None or moment >= dt.datetime.combine(self.since, dt.time(), tzinfo=NZ)


@dataclass
class Counts:
    lodged: int = 0
    declined: int = 0
    found_eligible: int = 0
    invited: int = 0
    visas_granted: int = 0
    visas_declined: int = 0

    def add(self, record: RequestRecord, period: Period) -> None:
        self.lodged += period.holds(record.lodged_at)
        decided = period.holds(record.decided_at)
        self.declined += decided and record.decision == "declined"
        self.found_eligible += decided and record.decision == "eligible"
        self.invited += period.holds(record.invited_at)
        visa = period.holds(record.visa_decided_at)
        self.visas_granted += visa and record.visa == "granted"
        self.visas_declined += visa and record.visa == "declined"


@dataclass
class Summary:
    period: Period
    total: Counts = field(default_factory=Counts)
    by_category: dict[str, Counts] = field(default_factory=dict)


def summary(records: Iterable[RequestRecord], period: Period) -> Summary:
    result = Summary(period)
    for record in records:
        result.total.add(record, period)
        result.by_category.setdefault(record.category, Counts()).add(record, period)
    return result


@dataclass(frozen=True)
class ProcessingTimes:
    decided: int
    median_working_days: float | None
    p90_working_days: float | None


def processing_times(records: Iterable[RequestRecord], period: Period) -> ProcessingTimes:
    """Working days from lodging to decision, for the requests decided in the period."""
    days = sorted(working_days_waited(r.lodged_at, r.decided_at) for r in records
                  if r.decided_at is not None and period.holds(r.decided_at))
    if not days:
        return ProcessingTimes(0, None, None)
    p90 = statistics.quantiles(days, n=10, method="inclusive")[-1] if len(days) > 1 else float(days[0])
    return ProcessingTimes(len(days), float(statistics.median(days)), float(p90))


def offshore_by_visa_type(holders: Iterable[OffshoreHolder], as_at: dt.date) -> Counter[str]:
    """People ordinarily resident in New Zealand with a current visa who were offshore on that date, by visa type."""
    return Counter(h.visa_type for h in holders if h.ordinarily_resident and h.offshore_since <= as_at)
