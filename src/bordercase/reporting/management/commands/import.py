from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordercase.reporting.imports import (
    AlreadyImported,
    Imported,
    ImportRefused,
    NoSuchRun,
    import_offshore,
    import_requests,
    import_runs,
    import_undo,
)

_SHOWN = 20  # bad lines printed; the rest are counted, and all go to --skip-bad's file


class Command(BaseCommand):
    help = ("Import historical records for the statistics: `import requests FILE.jsonl` or "
            "`import offshore-visa-holders FILE.csv` (a file with any bad line is refused whole unless --skip-bad; "
            "a file imported already is refused unless --replaces RUN); `import runs` lists the runs; "
            "`import undo RUN --reason WHY` takes a run's records out.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["requests", "offshore-visa-holders", "runs", "undo"])
        parser.add_argument("file", nargs="?", help="requests: JSON Lines; offshore-visa-holders: CSV with a header; "
                            "undo: the run's number")
        parser.add_argument("--skip-bad", metavar="REJECTS", help="import the good lines and write the bad ones, "
                            "with their line numbers and problems, to this file")
        parser.add_argument("--replaces", metavar="RUN", type=int,
                            help="undo this import run in the same step (to load a corrected file)")
        parser.add_argument("--reason", default="", help="undo: why, kept on the run")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == "runs":
            return self._runs()
        if not options["file"]:
            raise CommandError(f"Name the {'run to undo' if options['kind'] == 'undo' else 'file to import'}.")
        if options["kind"] == "undo":
            return self._undo(options["file"], options["reason"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}: check the path.")
        run = import_requests if options["kind"] == "requests" else import_offshore
        try:
            done = run(path, by=getpass.getuser(), skip_bad=bool(options["skip_bad"]), progress=self._progress,
                       replaces=options["replaces"])
        except AlreadyImported as exc:
            raise CommandError(f"{exc} To load a corrected version of it, import the new file with --replaces "
                               f"{exc.run.pk}; to take it out, `bordercase import undo {exc.run.pk}`.") from exc
        except NoSuchRun as exc:
            raise CommandError(str(exc)) from exc
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

    def _runs(self) -> None:
        runs = import_runs()
        if not runs:
            self.stdout.write("No file has been imported.")
        for run in runs:
            state = (f"undone {run.undone_at:%Y-%m-%d %H:%M} by {run.undone_by}: {run.undo_reason}" if run.undone_at
                     else "in the figures")
            self.stdout.write(f"{run.pk:>5}  {run.at:%Y-%m-%d %H:%M}  {run.get_kind_display():<22} {run.file_name}  "
                              f"sha256 {run.sha256[:16]}…  {run.imported:,} imported, {run.rejected:,} rejected, "
                              f"by {run.by}; {state}")

    def _undo(self, number: str, reason: str) -> None:
        if not number.isdigit():
            raise CommandError(f"{number!r} is not an import run's number: `bordercase import runs` lists them.")
        try:
            run = import_undo(int(number), by=getpass.getuser(), reason=reason)
        except (NoSuchRun, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Import run {run.pk} undone: its {run.imported:,} records are out of the figures.")

    def _rejects(self, path: Path, done: Imported) -> None:
        with path.open("w", encoding="utf-8") as out:
            for bad in done.rejected:
                out.write(f"{bad.number}\t{bad.problem}\t{bad.text}\n")

    def _progress(self, done: int, total: int) -> None:
        if total >= 50_000:
            sys.stderr.write(f"  {done:,} of {total:,} lines ({100 * done // max(total, 1)}%)\n")
            sys.stderr.flush()
