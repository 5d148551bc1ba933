"""`bordercase keys`: the keys that seal passport numbers, and the recommendation exports listing them, at rest
(bordercase.lib.sealed). Every sealed column is covered, text or bytes: `sealed.sealed_columns` finds them.

`keys new` prints a fresh key; `keys rotate` seals every sealed value again under the newest of BORDERCASE_DATA_KEYS,
so the older keys can then be taken away; `keys check` says how many values are not under the newest key yet.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordercase.lib import sealed


class Command(BaseCommand):
    help = ("The keys that seal passport numbers at rest: `new` prints a fresh key, `rotate` seals every value again "
            "under the newest of BORDERCASE_DATA_KEYS (in batches, safe to run again), `check` counts the values not "
            "under it yet.")
    # `keys new` is what an operator runs before there are any keys, which the checks would refuse.
    requires_system_checks: list[str] = []  # type: ignore[assignment]

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("new", help="print a fresh key, for BORDERCASE_DATA_KEYS or BORDERCASE_INDEX_KEY")
        rotate = actions.add_parser("rotate", help="seal every value again under the newest data key")
        check = actions.add_parser("check", help="count the values not under the newest data key; fails if any")
        for parser_ in (rotate, check):
            parser_.add_argument("--batch-size", type=int, default=500,
                                 help="rows read and written together, each batch in a transaction (default 500)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "new":
            self.stdout.write(sealed.new_key())
            return
        if options["batch_size"] < 1:
            raise CommandError(f"--batch-size must be 1 or more, not {options['batch_size']}.")
        try:
            behind = self._every_column(check_only=action == "check", batch_size=options["batch_size"])
        except ImproperlyConfigured as exc:  # the keys missing or unusable, or a value no key opens
            raise CommandError(str(exc)) from exc
        if action == "check":
            if behind:
                raise CommandError(f"{behind} sealed values are not under the newest key: run `bordercase keys "
                                   "rotate` before taking any older key away.")
            self.stdout.write("Every sealed value is under the newest key: the older keys can be taken away.")
        else:
            self.stdout.write("Done: every sealed value is under the newest key. Take the older keys out of "
                              "BORDERCASE_DATA_KEYS, restart, and run `bordercase keys check`.")

    def _every_column(self, *, check_only: bool, batch_size: int) -> int:
        """Re-seal (or count) column by column, with a line of progress per batch; the values still behind."""
        behind = 0
        for model, fields in sealed.sealed_columns():
            name = f"{model._meta.label} ({', '.join(f.name for f in fields)})"
            total = model._default_manager.count()
            verb = "not under the newest key" if check_only else "sealed again"

            def progress(tally: sealed.Tally, name: str = name, total: int = total, verb: str = verb) -> None:
                self.stdout.write(f"{name}: {tally.rows} of {total} rows, {tally.resealed} values {verb}")

            tally = sealed.reseal(model, fields, batch_size=batch_size, check_only=check_only, progress=progress)
            if tally.rows == 0:
                self.stdout.write(f"{name}: no rows")
            if tally.moved:
                self.stdout.write(f"{name}: {tally.moved} values changed meanwhile, already under the newest key")
            behind += tally.resealed if check_only else 0
        return behind
