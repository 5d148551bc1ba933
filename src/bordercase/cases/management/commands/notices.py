from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bordercase.cases.notifications import digests_send


class Command(BaseCommand):
    help = ("`notices digest`: email each person who chose one email a day the status changes kept for them. "
            "Run it once a day from a timer.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["digest"])

    def handle(self, *args: Any, **options: Any) -> None:
        sent = digests_send()
        self.stdout.write(f"Sent {sent} daily digest{'s' if sent != 1 else ''}.")
