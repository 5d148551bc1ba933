from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordercase.cases.audit import audit_problems


class Command(BaseCommand):
    help = "Check the event log: `audit verify` re-computes every request's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"], help="verify: re-compute every chain and report breaks")

    def handle(self, *args: Any, **options: Any) -> None:
        show_progress = sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            if show_progress:
                self.stderr.write(f"\rChecked {done:,} of {total:,} requests", ending="")

        problems = list(audit_problems(progress=progress))
        if show_progress:
            self.stderr.write("")
        if problems:
            for problem in problems:
                self.stdout.write(problem)
            raise CommandError(
                f"{len(problems)} problem(s) in the event log. Restore the affected events from a backup and "
                "find out who changed the database directly."
            )
        self.stdout.write(self.style.SUCCESS("Every request's event chain is intact."))
