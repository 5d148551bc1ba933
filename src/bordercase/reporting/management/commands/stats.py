from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordercase.reporting.figures import figures
from bordercase.reporting.tables import figures_json, figures_rows
from bordercase.stats.reports import Period


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a date: write it as YYYY-MM-DD, such as 2020-06-10.") from exc


class Command(BaseCommand):
    help = "Official statistics: `stats summary --as-at DATE [--since DATE] [--format table|json|csv]`."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        summary = actions.add_parser("summary", help="the headline figures and the tables, as at a date")
        summary.add_argument("--as-at", required=True, help="YYYY-MM-DD: counts up to the end of that day, NZ time")
        summary.add_argument("--since", help="YYYY-MM-DD: count only from the start of that day (a period)")
        summary.add_argument("--format", choices=["table", "json", "csv"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        period = Period(_day(options["as_at"]), _day(options["since"]) if options["since"] else None)
        if period.since and period.since > period.until:
            raise CommandError("--since is after --as-at: the period would be empty. Swap them.")
        found = figures(period)
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures_json(found), indent=2, ensure_ascii=False))
            return
        rows = figures_rows(found)
        if options["format"] == "csv":
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows([["table", "row", "figure", "value"], *rows])
            self.stdout.write(out.getvalue(), ending="")
            return
        width = max(len(r) for _, r, _, _ in rows)
        current = None
        for table, row, figure, value in rows:
            if table != current:
                self.stdout.write(f"\n{table}")
                current = table
            shown = "-" if value is None else f"{value:,}" if isinstance(value, int) else f"{value}"
            self.stdout.write(f"  {row:<{width}}  {figure:<16} {shown:>10}")
