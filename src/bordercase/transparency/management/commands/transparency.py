from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordercase.lib.signed_note import Signer
from bordercase.transparency.checkpoints import checkpoint_make, log_signer


class Command(BaseCommand):
    help = ("The transparency log: `transparency checkpoint` signs the log as it is now (run it from a timer every "
            "few minutes); `transparency key` prints a new signing key for BORDERCASE_LOG_KEY_FILE; "
            "`transparency public-key` prints the key outsiders check checkpoints with.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["checkpoint", "key", "public-key"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "key":
                # Printed, not stored: the operator keeps it where only the service reads it.
                self.stdout.write(Signer.generate(settings.TRANSPARENCY_ORIGIN).text())
            elif options["action"] == "public-key":
                self.stdout.write(log_signer().verifier_key())
            else:
                self.stdout.write(checkpoint_make().note, ending="")
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
