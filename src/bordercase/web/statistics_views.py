"""The public statistics: the page, its charts and its downloads, as at any date. No sign-in needed."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from bordercase.reporting import charts
from bordercase.reporting.figures import figures, lodgements_by_week
from bordercase.reporting.models import DailyCountsBuilt, ImportRun
from bordercase.reporting.public import BadDate, as_at_from, public_disclosure
from bordercase.reporting.tables import (
    BY_CATEGORY,
    HEADLINE,
    OFFSHORE,
    PLACES,
    PROCESSING,
    figures_json,
    figures_rows,
    titles,
)
from bordercase.stats.reports import Period

_EOI = "eoi-"
CHARTS = ("schemes", "eoi-categories", "lodgements")


def _as_at(request: HttpRequest) -> tuple[Period, str]:
    try:
        return Period(as_at_from(request.GET.get("as_at"))), ""
    except BadDate as exc:
        return Period(as_at_from(None)), str(exc)


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    period, error = _as_at(request)
    rows = figures_rows(figures(period), public_disclosure())
    tables: dict[str, list[tuple[str, str, object]]] = {}
    for table, row, figure, value in rows:
        tables.setdefault(table, []).append((row, figure, value))
    by_category: dict[str, dict[str, object]] = {}
    for row, figure, value in tables.get(BY_CATEGORY, []):
        by_category.setdefault(row, {})[figure] = value
    context = {
        "period": period, "error": error, "headline": tables.get(HEADLINE, []), "by_category": by_category,
        "places": _grouped(tables.get(PLACES, [])), "processing": tables.get(PROCESSING, []),
        "offshore": tables.get(OFFSHORE, []), "weeks": lodgements_by_week(period.until),
        "query": f"as_at={period.until:%Y-%m-%d}",
    }
    return render(request, "web/statistics.html", context)


def _grouped(rows: list[tuple[str, str, object]]) -> dict[str, dict[str, object]]:
    grouped: dict[str, dict[str, object]] = {}
    for row, figure, value in rows:
        grouped.setdefault(row, {})[figure] = value
    return grouped


def _svg(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/svg+xml")
    # Drawn by us, shown as an image: matplotlib styles its SVG inline, and nothing in it may run.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def chart(request: HttpRequest, name: str) -> HttpResponse:
    if name not in CHARTS:
        raise Http404(f"There is no chart {name!r}.")
    period, _ = _as_at(request)
    if period.until < timezone.localdate():
        # A day that has ended draws the same chart until history is imported: draw it once.
        version = (DailyCountsBuilt.objects.values_list("through", flat=True).first(),
                   ImportRun.objects.order_by("-pk").values_list("pk", "at").first())
        return _svg(_drawn(name, period.until, version, settings.STATS_DISCLOSURE))
    return _svg(_draw(name, period))


@functools.lru_cache(maxsize=64)
def _drawn(name: str, until: dt.date, version: object, disclosure: str) -> bytes:
    return _draw(name, Period(until))


def _draw(name: str, period: Period) -> bytes:
    when = f"{period.until:%-d %B %Y}"
    if name == "lodgements":
        return charts.lodgements_over_time(f"Requests lodged a week, 12 weeks to {when}",
                                           lodgements_by_week(period.until))
    data = figures_json(figures(period), public_disclosure())["by_category"]
    eoi_only = name == "eoi-categories"
    codes = sorted(c for c in data if c.startswith(_EOI) or not eoi_only)
    names = titles()
    # A suppressed count is drawn as nothing, not as zero; the table beside the chart says "c".
    return charts.bars_by_category(
        f"Declined and invited to apply by {'EOI category' if eoi_only else 'scheme'}, as at {when}",
        [names.get(c, c) for c in codes],
        [("Declined", [data[c]["declined"] or 0 for c in codes]),
         ("Invited to apply", [data[c]["invited"] or 0 for c in codes])])


@require_GET
def download(request: HttpRequest, extension: str) -> HttpResponse:
    if extension not in ("csv", "json"):
        raise Http404("The downloads are .csv and .json.")
    period, error = _as_at(request)
    if error:
        return HttpResponse(f"{error}\n", status=400, content_type="text/plain; charset=utf-8")
    found = figures(period)
    name = f"border-exception-statistics-as-at-{period.until:%Y-%m-%d}.{extension}"
    if extension == "json":
        response = HttpResponse(json.dumps(figures_json(found, public_disclosure()), indent=2),
                                content_type="application/json")
    else:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([["table", "row", "figure", "value"],
                                                        *figures_rows(found, public_disclosure())])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
