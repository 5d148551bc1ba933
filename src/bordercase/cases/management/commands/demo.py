from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.test import override_settings

from bordercase.cases import demo
from bordercase.reporting import seed_history


class Command(BaseCommand):
    help = "Create the database, load a demo dataset, print each demo account's sign-in details and serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="load the data and print the accounts only")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")),
                            help="the port to serve on (default 8000, or PORT)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Creating or updating the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if demo.is_loaded():
            self.stdout.write("The demo data is already loaded; giving its accounts new passwords.")
        else:
            self.stdout.write("Loading the demo organisations, accounts and requests…")
            # The demo's own history would print dozens of receipts; the emails people trigger later still show.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                made = demo.demo_load()
            self.stdout.write(f"Made {made} requests, covering every state of the lifecycle.")
            self.stdout.write("Importing the 2020 history behind the official statistics (about 25,000 records)…")
            added = seed_history.history_import(by="demo")
            self.stdout.write(f"Imported {added:,} historical records: /statistics/?as_at=2020-06-10 shows the "
                              "figures published then.")
        sign_ins = demo.accounts_reset_passwords()
        columns = [("Role", [s.account.role for s in sign_ins]), ("Email", [s.account.email for s in sign_ins]),
                   ("Password", [s.password for s in sign_ins]),
                   ("Authenticator key", [s.authenticator_key for s in sign_ins])]
        widths = [max(len(title), *(len(value) for value in values)) for title, values in columns]

        def row(cells: list[str]) -> str:
            return "  " + "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

        self.stdout.write("\nDemo accounts (sign in at /sign-in/; these passwords last until the next `demo`):\n")
        self.stdout.write(row([title for title, _ in columns]))
        for sign_in in sign_ins:
            self.stdout.write(row([sign_in.account.role, sign_in.account.email, sign_in.password,
                                   sign_in.authenticator_key]))
        self.stdout.write("\nStaff accounts also need a code from an authenticator app: add the account's key to the "
                          "app as a time-based\n(TOTP) key, then give the 6-digit code it shows after the password.\n")
        if not options["no_serve"]:
            call_command("serve", port=options["port"])
