from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.test import override_settings

from bordercase.cases import demo


class Command(BaseCommand):
    help = "Create the database, load a demo dataset, print each demo account's sign-in details and serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="load the data and print the accounts only")
        parser.add_argument("--port", type=int, default=8000)

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
        accounts = demo.accounts_reset_passwords()
        width = max(len(a.role) for a, _ in accounts)
        email_width = max(len(a.email) for a, _ in accounts)
        self.stdout.write("\nDemo accounts (sign in at /sign-in/; these passwords last until the next `demo`):\n")
        for account, password in accounts:
            self.stdout.write(f"  {account.role.ljust(width)}  {account.email.ljust(email_width)}  {password}")
        self.stdout.write("")
        if not options["no_serve"]:
            call_command("serve", port=options["port"])
