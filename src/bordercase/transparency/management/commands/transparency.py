from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections

from bordercase.lib.signed_note import Signer
from bordercase.transparency.checkpoints import checkpoint_make, log_signer


class Command(BaseCommand):
    help = ("The transparency log: `transparency checkpoint` signs the log as it is now, and with --every SECONDS "
            "keeps doing so until stopped (run it beside `serve`); `transparency key` prints a new signing key for "
            "BORDERCASE_LOG_KEY_FILE; `transparency public-key` prints the key outsiders check checkpoints with.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["checkpoint", "key", "public-key"])
        parser.add_argument("--every", type=int, metavar="SECONDS",
                            help="checkpoint: sign the log again every SECONDS (at least 1) until stopped, each "
                                 "time it has grown")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "key":
                # Printed, not stored: the operator keeps it where only the service reads it.
                self.stdout.write(Signer.generate(settings.TRANSPARENCY_ORIGIN).text())
            elif options["action"] == "public-key":
                self.stdout.write(log_signer().verifier_key())
            elif options["every"] is not None:
                self._every(options["every"])
            else:
                self.stdout.write(checkpoint_make().note, ending="")
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

    def _every(self, seconds: int) -> None:
        if seconds < 1:
            raise CommandError("--every is a whole number of seconds, 1 or more: 300 signs the log every 5 minutes.")
        log_signer()  # a key that cannot sign stops it now, not at the first checkpoint
        stopped = threading.Event()
        before = {number: signal.signal(number, lambda *_: stopped.set()) for number in (signal.SIGTERM, signal.SIGINT)}
        try:
            self._until(stopped, seconds)
        finally:
            for number, handler in before.items():
                signal.signal(number, handler)
        self.stdout.write("Stopped.")

    def _until(self, stopped: threading.Event, seconds: int) -> None:
        self.stdout.write(f"Signing the transparency log every {seconds} s; stop with Ctrl-C or SIGTERM.")
        size = -1
        while not stopped.is_set():
            close_old_connections()
            try:
                made = checkpoint_make()
            except DatabaseError as exc:  # the database away for a moment: try again next time, and say so
                self.stderr.write(f"No checkpoint this time: the database did not answer ({exc}).")
            else:
                if made.size != size:
                    self.stdout.write(f"Checkpoint: {made.size:,} entries, signed {made.made_at:%Y-%m-%d %H:%M:%S} "
                                      "UTC.")
                    size = made.size
            stopped.wait(seconds)
