from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bordercase.accounts.administration import actions_recent
from bordercase.cases.windows import nz_time


class Command(BaseCommand):
    help = "Every administrator's change, newest first: when (New Zealand time), who, what, to what, and why."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=200, help="how many to show (default 200)")

    def handle(self, *args: Any, **options: Any) -> None:
        actions = actions_recent(max(1, options["limit"]))
        if not actions:
            self.stdout.write("No administrator has changed anything yet.")
        for action in actions:
            self.stdout.write(f"{nz_time(action.at)}  {action.actor_label}  {action.action}  {action.subject}\n"
                              f"    why: {action.reason}")
