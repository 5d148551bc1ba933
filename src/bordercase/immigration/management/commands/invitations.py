"""``bordercase invitations expire``: lapse the requests whose invitation to apply expired unused.

Run it from a timer (cron, a systemd timer) every few minutes or once a day: each run lapses what has expired
since the last, and a request lapses once however often it runs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bordercase.immigration.services.invitations import invitations_expire


class Command(BaseCommand):
    help = "Invitations to apply: `expire` lapses every request still invited whose newest invitation expired unused."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("expire", help="lapse the requests whose invitation to apply expired unused")

    def handle(self, *args: Any, **options: Any) -> None:
        lapsed = invitations_expire()
        for request in lapsed:
            self.stdout.write(f"{request.reference} ({request.scheme.code}): lapsed, its invitation to apply expired "
                              "unused.")
        self.stdout.write(f"{len(lapsed)} request{'s' if len(lapsed) != 1 else ''} lapsed.")
