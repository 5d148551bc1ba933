"""The figures as the tables people read: rows for the page, the command and the CSV download, and JSON.

Public outputs pass a ``Disclosure`` so that small counts are protected; the operator's command does not.
"""

from __future__ import annotations

from typing import Any

from bordercase.cases.models import Scheme
from bordercase.reporting.figures import Figures
from bordercase.stats.disclosure import Disclosure

Row = tuple[str, str, str, int | float | None]
HEADLINE = "Headline figures"
BY_CATEGORY = "By scheme and EOI category"
PLACES = "Capped places"
PROCESSING = "Processing times (working days, lodging to decision)"
OFFSHORE = "People ordinarily resident in New Zealand with a current visa, offshore, by visa type"
_COUNTS = (("lodged", "Requests lodged"), ("declined", "Declined"), ("found_eligible", "Found eligible"),
           ("invited", "Invited to apply"), ("visas_granted", "Visas approved"), ("visas_declined", "Visas declined"))


def titles() -> dict[str, str]:
    return dict(Scheme.objects.values_list("code", "title"))


def figures_rows(found: Figures, disclosure: Disclosure | None = None) -> list[Row]:
    protect = disclosure or Disclosure()
    names = titles()

    def count(value: int, cell: str) -> int | None:
        return protect.apply(value, cell)

    rows: list[Row] = [(HEADLINE, label, "count", count(getattr(found.total, name), f"total.{name}"))
                       for name, label in _COUNTS]
    for code, counts in sorted(found.by_category.items(), key=lambda item: names.get(item[0], item[0])):
        for name, label in _COUNTS:
            rows.append((BY_CATEGORY, names.get(code, code), label, count(getattr(counts, name), f"{code}.{name}")))
    for places in found.places:
        title = names.get(places.scheme, places.scheme)
        rows += [(PLACES, title, "Places", places.cap),
                 (PLACES, title, "Allocated", count(places.allocated, f"{places.scheme}.allocated")),
                 (PLACES, title, "Waitlisted", count(places.waitlisted, f"{places.scheme}.waitlisted"))]
    rows += [(PROCESSING, "Decided in the period", "count", count(found.processing.decided, "processing.decided")),
             (PROCESSING, "Median", "working days", found.processing.median_working_days),
             (PROCESSING, "90th percentile", "working days", found.processing.p90_working_days)]
    for visa_type, n in sorted(found.offshore.items()):
        rows.append((OFFSHORE, visa_type, "people", count(n, f"offshore.{visa_type}")))
    if found.offshore:
        rows.append((OFFSHORE, "Total", "people", count(sum(found.offshore.values()), "offshore.total")))
    return rows


def figures_json(found: Figures, disclosure: Disclosure | None = None) -> dict[str, Any]:
    protect = disclosure or Disclosure()
    period = found.period

    def counts(c: Any, prefix: str) -> dict[str, int | None]:
        return {name: protect.apply(getattr(c, name), f"{prefix}.{name}") for name, _ in _COUNTS}

    return {
        "as_at": period.until.isoformat(), "since": period.since.isoformat() if period.since else None,
        "time_zone": "Pacific/Auckland", "disclosure": protect.method,
        "total": counts(found.total, "total"),
        "by_category": {code: counts(c, code) for code, c in sorted(found.by_category.items())},
        "places": [{"scheme": p.scheme, "places": p.cap,
                    "allocated": protect.apply(p.allocated, f"{p.scheme}.allocated"),
                    "waitlisted": protect.apply(p.waitlisted, f"{p.scheme}.waitlisted")} for p in found.places],
        "processing_times": {"decided": protect.apply(found.processing.decided, "processing.decided"),
                             "median_working_days": found.processing.median_working_days,
                             "p90_working_days": found.processing.p90_working_days},
        "offshore_visa_holders": {t: protect.apply(n, f"offshore.{t}") for t, n in sorted(found.offshore.items())},
    }
