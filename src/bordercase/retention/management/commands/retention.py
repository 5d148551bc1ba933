from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordercase.cases.windows import NZ
from bordercase.retention.current import schedule_current
from bordercase.retention.runs import done_text, plan_text, retention_apply, retention_plan
from bordercase.retention.schedule import Schedule, ScheduleError

_EVERY = 100  # progress is told every this many records of a kind, and at the end of each


def _as_at(text: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--as-at {text!r} is not a date: write it as YYYY-MM-DD, such as 2026-06-30.") from exc
    # As at the end of that day in New Zealand, as the statistics count.
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=NZ)


class Command(BaseCommand):
    help = ("The retention schedule: `retention plan [--as-at DATE]` lists what it would remove and why (each "
            "request with its rule and date); `retention apply` removes it, recording an event in each request's "
            "history (run it daily from a timer; a second run does nothing).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["plan", "apply"])
        parser.add_argument("--as-at", metavar="DATE", help="plan: as at the end of this day, New Zealand time "
                            "(YYYY-MM-DD; today by default)")

    def handle(self, *args: Any, **options: Any) -> None:
        schedule = self._schedule()
        if options["action"] == "plan":
            plan = retention_plan(schedule, _as_at(options["as_at"]) if options["as_at"] else None)
            self.stdout.write(f"Retention plan as at {plan.as_at.astimezone(NZ):%Y-%m-%d %H:%M} New Zealand time, "
                              f"under {schedule.origin}:")
            for line in plan_text(plan):
                self.stdout.write(line)
            if plan.empty:
                self.stdout.write("Nothing is due: `retention apply` would change nothing.")
            return
        if options["as_at"]:
            raise CommandError("apply works as at now only: --as-at is for plan, to see what a later run would do.")
        done = retention_apply(schedule, progress=self._progress)
        for reason in done.skipped:
            self.stderr.write(reason)
        total = sum(done.counts.values())
        summary = ", ".join(f"{kind} {count:,}" for kind, count in done.counts.items() if count)
        self.stdout.write(f"Retention applied: {summary}." if total else "Retention applied: nothing was due.")
        for line in done_text(done):
            self.stdout.write(line)

    def _schedule(self) -> Schedule:
        try:
            return schedule_current()
        except ScheduleError as exc:
            raise CommandError(f"The retention schedule cannot be used, so nothing was done: {exc}") from exc

    def _progress(self, kind: str, done: int, total: int) -> None:
        if done % _EVERY == 0 or done == total:
            sys.stderr.write(f"  {kind}: {done:,} of {total:,} ({100 * done // max(total, 1)}%)\n")
            sys.stderr.flush()
