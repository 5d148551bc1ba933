"""The official statistics over 1,000,000 requests in PostgreSQL: how long each dashboard page takes.

    .venv/bin/python bench/stats.py [--requests 1000000] [--repeats 7]

On a PostgreSQL database of its own (dropped at the end) it loads --requests requests' milestones, shaped like
2020's (most lodged over three months, most declined, a fifth invited, most of those granted a visa), with COPY,
and 10,000 offshore visa holders. Then, through Django's test client (the whole middleware stack, no HTTP
server), it times the public statistics page, the JSON download, the API, and each chart, as at several dates;
and in the same run the baseline: one `SELECT count(*)` over the whole table, the least any page could do.
Goal: under 300 ms a page. Results are printed and written to bench/results/stats-<UTC timestamp>.json and .md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from intake_queries import database_arguments, django_on_bench_database, parsed, written
from psycopg import sql

CATEGORIES = ["eoi-family-2020", "eoi-humanitarian-2020", "eoi-essential-health-worker-2020",
              "eoi-essential-non-health-worker-2020", "eoi-australian-2020", "eoi-tongan-samoan-2020",
              "other-essential-worker-2020", "tech-specialists-2022"]
AS_AT = ["2020-04-15", "2020-05-28", "2020-06-10", "2020-07-31"]


def _rows(count: int, run_id: int) -> Iterator[str]:
    """Tab-separated milestones rows for COPY: shaped like the 2020 EOIs, with their working days."""
    from bordercase.workdays import NZ, working_days_waited

    rng = random.Random(2020)  # noqa: S311 - made-up data, the same on every run
    start = dt.datetime(2020, 3, 19, 8, tzinfo=NZ)
    null = r"\N"
    for _ in range(count):
        lodged = start + dt.timedelta(minutes=rng.randrange(150 * 24 * 60))
        decided = lodged + dt.timedelta(hours=rng.randrange(4, 24 * 12))
        roll = rng.random()
        decision = "declined" if roll < 0.7 else "eligible" if roll < 0.95 else ""
        invited = decided + dt.timedelta(hours=1) if decision == "eligible" else None
        visa = "granted" if invited and rng.random() < 0.85 else ""
        visa_at = invited + dt.timedelta(days=rng.randrange(1, 20)) if visa else None
        days = working_days_waited(lodged, decided) if decision else None
        fields = [rng.choice(CATEGORIES), lodged.isoformat(), decision, decided.isoformat() if decision else null,
                  null if days is None else str(days), invited.isoformat() if invited else null, visa,
                  visa_at.isoformat() if visa_at else null, str(run_id)]
        yield "\t".join(fields) + "\n"


def load(count: int) -> float:
    from django.db import connection

    from bordercase.reporting.models import ImportRun, Milestones, OffshoreVisaHolder

    run = ImportRun.objects.create(kind="requests", file_name="bench", sha256="0" * 64, imported=count, rejected=0,
                                   by="bench")
    started = time.perf_counter()
    columns = ["category", "lodged_at", "decision", "decided_at", "decision_working_days", "invited_at", "visa",
               "visa_decided_at", "import_run_id"]
    with connection.cursor() as cursor, cursor.connection.cursor().copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(Milestones._meta.db_table),
                                                      sql.SQL(", ").join(map(sql.Identifier, columns)))) as copy:
        buffer = io.StringIO()
        for number, row in enumerate(_rows(count, run.pk), start=1):
            buffer.write(row)
            if number % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
                print(f"  loaded {number:,} of {count:,}", file=sys.stderr, flush=True)
        copy.write(buffer.getvalue())
    OffshoreVisaHolder.objects.bulk_create(
        OffshoreVisaHolder(visa_type=f"Type {i % 8}", ordinarily_resident=i % 10 != 0,
                           offshore_since=dt.date(2020, 3, 1) + dt.timedelta(days=i % 120), import_run=run)
        for i in range(10_000))
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(Milestones._meta.db_table))
                       .as_string(cursor.connection))
    return time.perf_counter() - started


def timed(function: Callable[[], Any], repeats: int) -> dict[str, float]:
    started = time.perf_counter()
    function()  # cold: the first call pays for connections, templates, the daily counts and drawing a chart
    first = (time.perf_counter() - started) * 1000
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return {"first_ms": round(first, 1), "median_ms": round(statistics.median(samples), 1),
            "max_ms": round(max(samples), 1)}


def measure(options: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bordercase.reporting.models import Milestones

    call_command("migrate", verbosity=0)
    load_seconds = load(options.requests)
    client = Client()

    def page(path: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        return get

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(Milestones._meta.db_table))
                           .as_string(cursor.connection))
            cursor.fetchone()

    results: dict[str, Any] = {"baseline: SELECT count(*)": timed(baseline, options.repeats)}
    for as_at in AS_AT:
        for name, path in [("page", f"/statistics/?as_at={as_at}"),
                           ("json download", f"/statistics/download.json?as_at={as_at}"),
                           ("API", f"/api/v1/stats/summary?as_at={as_at}"),
                           ("chart: schemes", f"/statistics/charts/schemes.svg?as_at={as_at}"),
                           ("chart: lodgements", f"/statistics/charts/lodgements.svg?as_at={as_at}")]:
            results[f"{name} as at {as_at}"] = timed(page(path), options.repeats)
    base = results["baseline: SELECT count(*)"]["median_ms"]
    for figures in results.values():
        figures["ratio_to_baseline"] = round(figures["median_ms"] / base, 1) if base else None
    return {"requests": options.requests, "load_seconds": round(load_seconds, 1), "repeats": options.repeats,
            "machine": machine(), "results": results}


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(), "postgresql": server}


def markdown(report: dict[str, Any]) -> str:
    lines = [f"# Statistics over {report['requests']:,} requests (PostgreSQL {report['machine']['postgresql']})", "",
             f"{report['machine']['cpu']}, {report['machine']['cores']} cores, Python {report['machine']['python']};"
             f" loaded in {report['load_seconds']} s; first call, then median of {report['repeats']}.",
             "The first page call counts every day into the daily cache; a chart for a past date is drawn once.", "",
             *timed_table(report["results"])]
    return "\n".join(lines) + "\n"


def timed_table(results: dict[str, dict[str, Any]]) -> list[str]:
    """The lines of a Markdown table of what ``timed`` measured, each beside the run's baseline."""
    return ["| what | first ms | median ms | max ms | median / baseline |", "|---|---|---|---|---|",
            *(f"| {name} | {r['first_ms']} | {r['median_ms']} | {r['max_ms']} | {r['ratio_to_baseline']} |"
              for name, r in results.items())]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    database_arguments(parser, "bordercase_bench_stats")
    options = parsed(parser)
    with django_on_bench_database(options, "bordercase-stats-"):
        report = measure(options)
    print(markdown(report))
    print(f"Written to {written('stats', report, markdown(report))}.json and .md")


if __name__ == "__main__":
    main()
