from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.test import override_settings

from bordercase.demo import accounts
from bordercase.demo.world import demo_load
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
        travel_link = ""
        if accounts.is_loaded():
            self.stdout.write("The demo data is already loaded; giving its accounts new passwords.")
        else:
            self.stdout.write("Loading the demo organisations, accounts and requests (about 600 nominations, so the "
                              "tech class is drawn by ballot; a minute or so)…")
            # The demo's own history would print dozens of receipts; the emails people trigger later still show.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                loaded = demo_load()
            self.stdout.write(f"Made {loaded.requests} requests: the tech class's round 1 drawn, places given up and "
                              "passed down its waitlist, and round 2 open, ready to freeze.")
            travel_link = f"/invitation-to-apply/{loaded.travel_link_token}/"
        # Apart from the load, so a demo stopped half-way through the import finishes it next time.
        self.stdout.write("Importing the 2020 history behind the official statistics (about 26,000 records) unless "
                          "it is in already…")
        added = seed_history.history_import(by="demo")
        if added:
            self.stdout.write(f"Imported {added:,} historical records: /statistics/?as_at=2020-06-10 shows the "
                              "figures published then.")
        sign_ins = accounts.accounts_reset_passwords()
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
        self.stdout.write("To try: the administrator freezes, publishes and draws the tech class's round 2 on "
                          "Allocation rounds; the\nNZTech assessors confirm a decline waiting on a second assessor; "
                          "Immigration NZ decides a visa on Visa decisions.")
        if travel_link:
            self.stdout.write("A worker invited to apply follows their emailed link to lodge a request to travel: "
                              f"http://127.0.0.1:{options['port']}{travel_link}\n(only this once: the link is "
                              "kept only as a digest).")
        if not options["no_serve"]:
            call_command("serve", port=options["port"])
