from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordercase.reporting.imports import Imported, ImportRefused, import_offshore, import_requests

_SHOWN = 20  # bad lines printed; the rest are counted, and all go to --skip-bad's file


class Command(BaseCommand):
    help = ("Import historical records for the statistics: `import requests FILE.jsonl` or "
            "`import offshore-visa-holders FILE.csv`. A file with any bad line is refused whole unless --skip-bad.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["requests", "offshore-visa-holders"])
        parser.add_argument("file", help="requests: JSON Lines; offshore-visa-holders: CSV with a header")
        parser.add_argument("--skip-bad", metavar="REJECTS", help="import the good lines and write the bad ones, "
                            "with their line numbers and problems, to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}: check the path.")
        run = import_requests if options["kind"] == "requests" else import_offshore
        try:
            done = run(path, by=getpass.getuser(), skip_bad=bool(options["skip_bad"]), progress=self._progress)
        except ImportRefused as exc:
            for bad in exc.bad[:_SHOWN]:
                self.stderr.write(f"line {bad.number}: {bad.problem}")
            if len(exc.bad) > _SHOWN:
                self.stderr.write(f"… and {len(exc.bad) - _SHOWN} more bad lines.")
            raise CommandError(f"{exc} Correct the lines, or run again with --skip-bad REJECTS to import the rest "
                               "and write the bad lines to REJECTS.") from exc
        if options["skip_bad"]:
            self._rejects(Path(options["skip_bad"]), done)
        self.stdout.write(f"Imported {done.run.imported:,} {options['kind'].replace('-', ' ')} from {path.name} "
                          f"(SHA-256 {done.run.sha256[:16]}…); {len(done.rejected):,} bad lines skipped. "
                          f"Import run {done.run.pk}.")

    def _rejects(self, path: Path, done: Imported) -> None:
        with path.open("w", encoding="utf-8") as out:
            for bad in done.rejected:
                out.write(f"{bad.number}\t{bad.problem}\t{bad.text}\n")

    def _progress(self, done: int, total: int) -> None:
        if total >= 50_000:
            sys.stderr.write(f"  {done:,} of {total:,} lines ({100 * done // max(total, 1)}%)\n")
            sys.stderr.flush()
