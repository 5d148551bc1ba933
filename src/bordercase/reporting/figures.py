"""The official figures as at a date or over a period, counted in the database with indexed aggregates.

The same dataclasses as the pure ``bordercase.stats.reports`` carry them, so the page, the API and the command
show one set of numbers. Small counts are protected by the configured disclosure method in public outputs only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from bordercase.cases.models import Scheme
from bordercase.reporting.models import DailyCount, DailyCountsBuilt, Milestones, OffshoreVisaHolder
from bordercase.stats.reports import Counts, Period, ProcessingTimes, end_of_day
from bordercase.workdays import NZ

_START = dt.time()


@dataclass
class Places:
    scheme: str
    cap: int
    allocated: int
    waitlisted: int


@dataclass
class Figures:
    period: Period
    total: Counts = field(default_factory=Counts)
    by_category: dict[str, Counts] = field(default_factory=dict)
    places: list[Places] = field(default_factory=list)
    processing: ProcessingTimes = field(default_factory=lambda: ProcessingTimes(0, None, None))
    offshore: dict[str, int] = field(default_factory=dict)


# Each measure: the milestone's column, and what else must hold of the row.
MEASURES: dict[str, tuple[str, Q]] = {
    "lodged": ("lodged_at", Q()),
    "declined": ("decided_at", Q(decision="declined")),
    "found_eligible": ("decided_at", Q(decision="eligible")),
    "invited": ("invited_at", Q()),
    "visas_granted": ("visa_decided_at", Q(visa="granted")),
    "visas_declined": ("visa_decided_at", Q(visa="declined")),
}
DECIDED_IN = "decided_in_"


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, _START, tzinfo=NZ)


def daily_counts_rebuild(since: dt.date | None = None) -> None:
    """Count the days before today again from the milestones, from ``since`` (every day when None): after an
    import, or for the days that have ended since the counts were last built."""
    today = timezone.localdate()
    after = {} if since is None else {"__gte": _start(since)}
    with transaction.atomic():
        built, _ = DailyCountsBuilt.objects.select_for_update().get_or_create(pk=1)
        (DailyCount.objects.all() if since is None else DailyCount.objects.filter(day__gte=since)).delete()
        rows: list[DailyCount] = []
        for measure, (column, condition) in MEASURES.items():
            window = {f"{column}__lt": _start(today), **{f"{column}{k}": v for k, v in after.items()}}
            per_day = (Milestones.objects.filter(condition, **window)
                       .annotate(day=TruncDate(column, tzinfo=NZ)).values("day", "category")
                       .order_by().annotate(n=Count("id")))
            rows += [DailyCount(day=r["day"], category=r["category"], measure=measure, count=r["n"]) for r in per_day]
        decided = (Milestones.objects.filter(decision_working_days__isnull=False, decided_at__lt=_start(today),
                                             **{f"decided_at{k}": v for k, v in after.items()})
                   .annotate(day=TruncDate("decided_at", tzinfo=NZ)).values("day", "decision_working_days")
                   .order_by().annotate(n=Count("id")))
        rows += [DailyCount(day=r["day"], category="", measure=f"{DECIDED_IN}{r['decision_working_days']}",
                            count=r["n"]) for r in decided]
        DailyCount.objects.bulk_create(rows, batch_size=5000)
        built.through = today - dt.timedelta(days=1)
        built.save(update_fields=["through"])


def _ensure_built() -> None:
    built = DailyCountsBuilt.objects.filter(pk=1).values_list("through", flat=True).first()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    if built is None:
        daily_counts_rebuild()
    elif built < yesterday:
        daily_counts_rebuild(since=built + dt.timedelta(days=1))


def _cached(period: Period) -> dict[tuple[str, str], int]:
    """Sums of the daily counts over the period's days before today, by (category, measure)."""
    last = min(period.until, timezone.localdate() - dt.timedelta(days=1))
    rows = DailyCount.objects.filter(day__lte=last)
    if period.since is not None:
        rows = rows.filter(day__gte=period.since)
    return {(r["category"], r["measure"]): r["n"]
            for r in rows.values("category", "measure").order_by().annotate(n=Sum("count"))}


def _today(period: Period) -> dict[tuple[str, str], int]:
    """The same, for what happened today so far: counted live, from the few rows with a milestone today."""
    today = timezone.localdate()
    if period.until < today or (period.since is not None and period.since > today):
        return {}
    since, until = _start(today), end_of_day(period.until)
    touched = Milestones.objects.filter(Q(lodged_at__gte=since) | Q(decided_at__gte=since) | Q(invited_at__gte=since)
                                        | Q(visa_decided_at__gte=since))
    counts: dict[tuple[str, str], int] = {}
    annotations = {measure: Count("id", filter=condition & Q(**{f"{column}__gte": since, f"{column}__lt": until}))
                   for measure, (column, condition) in MEASURES.items()}
    for row in touched.values("category").order_by().annotate(**annotations):
        for measure in MEASURES:
            counts[(row["category"], measure)] = row[measure]
    decided = (touched.filter(decided_at__gte=since, decided_at__lt=until, decision_working_days__isnull=False)
               .values("decision_working_days").order_by().annotate(n=Count("id")))
    for row in decided:
        counts[("", f"{DECIDED_IN}{row['decision_working_days']}")] = row["n"]
    return counts


def figures(period: Period) -> Figures:
    _ensure_built()
    result = Figures(period)
    summed: dict[tuple[str, str], int] = {}
    for part in (_cached(period), _today(period)):
        for key, n in part.items():
            summed[key] = summed.get(key, 0) + n
    for (category, measure), n in summed.items():
        if measure.startswith(DECIDED_IN):
            continue
        counts = result.by_category.setdefault(category, Counts())
        setattr(counts, measure, getattr(counts, measure) + n)
        setattr(result.total, measure, getattr(result.total, measure) + n)
    result.by_category = dict(sorted(result.by_category.items()))
    result.places = _places(period.until)
    result.processing = processing_from_histogram({int(m[len(DECIDED_IN):]): n for (_, m), n in summed.items()
                                     if m.startswith(DECIDED_IN) and n})
    result.offshore = _offshore(period.until)
    return result


def _places(as_at: dt.date) -> list[Places]:
    end = end_of_day(as_at)
    holding = Q(allocated_at__lt=end) & (Q(place_released_at__isnull=True) | Q(place_released_at__gte=end))
    waiting = Q(waitlisted_at__lt=end) & (Q(waitlist_left_at__isnull=True) | Q(waitlist_left_at__gte=end))
    capped = {s.code: s.places or 0 for s in Scheme.objects.filter(places__isnull=False)}
    # Only rows that ever held a place or waited for one: a few thousand, however many requests there are.
    entered = Q(allocated_at__isnull=False) | Q(waitlisted_at__isnull=False)
    counted = {r["category"]: r for r in Milestones.objects.filter(entered, category__in=capped).values("category")
               .order_by("category").annotate(allocated=Count("id", filter=holding),
                                              waitlisted=Count("id", filter=waiting))}
    empty = {"allocated": 0, "waitlisted": 0}
    return [Places(code, cap, counted.get(code, empty)["allocated"], counted.get(code, empty)["waitlisted"])
            for code, cap in sorted(capped.items())]


def processing_from_histogram(histogram: dict[int, int]) -> ProcessingTimes:
    """Median and 90th percentile from how many decisions took each number of working days."""
    decided = sum(histogram.values())
    if not decided:
        return ProcessingTimes(0, None, None)
    return ProcessingTimes(decided, _quantile(histogram, decided, 0.5), _quantile(histogram, decided, 0.9))


def _quantile(histogram: dict[int, int], total: int, q: float) -> float:
    # As statistics.quantiles(method="inclusive") and statistics.median do on the full list of values.
    position = q * (total - 1)
    below, fraction = int(position), position - int(position)
    return _nth(histogram, below) + fraction * (_nth(histogram, below + 1) - _nth(histogram, below)) \
        if below + 1 < total else float(_nth(histogram, below))


def _nth(histogram: dict[int, int], index: int) -> float:
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        if index < seen:
            return float(days)
    return float(max(histogram))


def _offshore(as_at: dt.date) -> dict[str, int]:
    rows = (OffshoreVisaHolder.objects.filter(ordinarily_resident=True, offshore_since__lte=as_at)
            .values("visa_type").order_by("visa_type").annotate(n=Count("id")))
    return {r["visa_type"]: r["n"] for r in rows}


def lodgements_by_week(as_at: dt.date, weeks: int = 12) -> list[tuple[dt.date, int]]:
    """Requests lodged in each of the ``weeks`` weeks (Monday to Sunday, NZ time) up to the week of ``as_at``."""
    _ensure_built()
    last_monday = as_at - dt.timedelta(days=as_at.weekday())
    first = last_monday - dt.timedelta(weeks=weeks - 1)
    per_day = {r["day"]: r["n"] for r in DailyCount.objects.filter(measure="lodged", day__gte=first, day__lte=as_at)
               .values("day").order_by().annotate(n=Sum("count"))}
    today = timezone.localdate()
    if first <= today <= as_at:
        per_day[today] = Milestones.objects.filter(lodged_at__gte=_start(today)).count()
    counts = dict.fromkeys((first + dt.timedelta(weeks=i) for i in range(weeks)), 0)
    for day, n in per_day.items():
        counts[day - dt.timedelta(days=day.weekday())] += n
    return sorted(counts.items())
