from __future__ import annotations

import base64
import binascii
import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordercase.cases.audit import audit_problems
from bordercase.lib.signed_note import NoteError, Verifier
from bordercase.transparency.audit import (
    consistency_problems,
    event_problems,
    fetched,
    kept_checkpoint,
    record_problems,
    tree_problems,
)
from bordercase.transparency.checkpoints import log_signer
from bordercase.transparency.proofs import consistency_between


class Command(BaseCommand):
    help = ("Check the records: `audit verify` re-computes every request's hash chain, and with --checkpoint holds "
            "the database to a checkpoint kept outside it; `audit consistency OLD NEW` checks that the newer kept "
            "checkpoint's log extends the older's.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "consistency"],
                            help="verify: every chain, and the log against a kept checkpoint; consistency: two "
                                 "kept checkpoints")
        parser.add_argument("checkpoints", nargs="*", metavar="CHECKPOINT",
                            help="consistency: the older and the newer kept checkpoint, each a file or an address")
        parser.add_argument("--checkpoint", help="verify: hold the database to this kept checkpoint (a file, or an "
                                                 "address such as https://…/transparency/checkpoint)")
        parser.add_argument("--key", help="the log's public key as `transparency public-key` prints it, or a file "
                                          "holding it (default: this installation's own key)")
        parser.add_argument("--proof", help="consistency: the proof as the API's /transparency/consistency serves "
                                            "it, a file or an address (default: made from this database's log)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "consistency":
                self._consistency(options)
            else:
                self._verify(options)
        except NoteError as exc:
            raise CommandError(f"{exc}", returncode=2) from exc

    def _progress(self, stage: str, done: int, total: int) -> None:
        if sys.stderr.isatty():
            self.stderr.write(f"\rChecked {done:,} of {total:,} {stage}", ending="")

    def _verify(self, options: dict[str, Any]) -> None:
        if options["checkpoints"]:
            raise CommandError("`audit verify` takes a kept checkpoint as --checkpoint FILE.", returncode=2)
        kept = (kept_checkpoint(fetched(options["checkpoint"], "checkpoint"), self._verifier(options["key"]))
                if options["checkpoint"] else None)
        problems = list(audit_problems(progress=lambda done, total: self._progress("requests", done, total)))
        if kept is not None:
            problems += tree_problems(kept, self._progress)
            problems += event_problems(self._progress)
            problems += record_problems()
        if sys.stderr.isatty():
            self.stderr.write("")
        if problems:
            for problem in problems:
                self.stdout.write(problem)
            raise CommandError(
                f"{len(problems)} problem(s) in the event log. Restore the affected records from a backup and "
                "find out who changed the database directly."
            )
        self.stdout.write(self.style.SUCCESS("Every request's event chain is intact."))
        if kept is not None:
            self.stdout.write(self.style.SUCCESS(
                f"The log still holds the {kept.size:,} entries of the checkpoint kept, making its root hash, and "
                "every event, letter, round file and import it recorded is in the database as recorded."))

    def _consistency(self, options: dict[str, Any]) -> None:
        if len(options["checkpoints"]) != 2:
            raise CommandError("Give two kept checkpoints, the older first: `audit consistency OLD NEW`.",
                               returncode=2)
        verifier = self._verifier(options["key"])
        old, new = (kept_checkpoint(fetched(where, "checkpoint"), verifier) for where in options["checkpoints"])
        if options["proof"]:
            proof = _proof(fetched(options["proof"], "proof"), old.size, new.size)
        else:
            try:
                proof = consistency_between(old.size, new.size) if 0 < old.size < new.size else []
            except ValueError as exc:
                raise CommandError(f"{exc} Give the proof the log serves with --proof.", returncode=2) from exc
        problems = consistency_problems(old, new, proof)
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError("The two checkpoints are not of one append-only log.")
        self.stdout.write(self.style.SUCCESS(
            f"Consistent: the log of {new.size:,} entries extends the log of {old.size:,}, every entry of the "
            "older in its place."))

    @staticmethod
    def _verifier(key: str | None) -> Verifier:
        if key is None:
            try:
                text = log_signer().verifier_key()
            except ImproperlyConfigured as exc:
                raise CommandError(f"{exc} Or give the log's public key with --key.", returncode=2) from exc
        else:
            text = Path(key).read_text(encoding="utf-8") if Path(key).is_file() else key
        return Verifier.from_text(text)


def _proof(text: str, old_size: int, new_size: int) -> list[bytes]:
    """The hashes of a consistency proof as the API serves it, for these two sizes; NoteError saying what is wrong."""
    try:
        served = json.loads(text)
        if served["old_size"] != old_size or served["new_size"] != new_size:
            raise NoteError(f"The proof is from {served['old_size']} to {served['new_size']} entries, not from "
                            f"{old_size} to {new_size}: ask for the proof between these two checkpoints.")
        return [base64.b64decode(h, validate=True) for h in served["proof"]]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise NoteError("The proof is not what /transparency/consistency serves: JSON with old_size, new_size and "
                        "proof, a list of base64 hashes.") from exc
