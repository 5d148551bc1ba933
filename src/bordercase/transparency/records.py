"""Allocation rounds' files and historical imports in the transparency log, each a leaf written in the transaction
that makes it: a round's entries, declaration, results and manifest as their digests are set, its cancellation with
its public reason; an import run's file and, if it is undone, the undoing with its reason.

Connected to the records' post_save (as events are), so that neither cases nor reporting imports the log. A record
saved again adds nothing the log already holds: each leaf is looked for first, by its hash.
"""

from __future__ import annotations

from typing import Any

from bordercase.cases.models import AllocationRound
from bordercase.lib.merkle import leaf_hash
from bordercase.reporting.models import ImportRun
from bordercase.transparency.log import entry_append, entry_data
from bordercase.transparency.models import LogEntry

# A round's published files, by the field holding each one's SHA-256.
ROUND_FILES = {"entries": "entries_sha256", "declaration": "declaration_sha256", "results": "results_sha256",
               "manifest": "manifest_sha256"}
Leaf = tuple[str, dict[str, Any]]  # a leaf's kind and fields


def round_leaves(round_: AllocationRound) -> list[Leaf]:
    """What the log records of a round as it is now: each published file's digest, and its cancellation."""
    where = {"scheme": round_.scheme.code, "round": round_.number}
    leaves: list[Leaf] = [("ballot-file", {**where, "file": name, "sha256": getattr(round_, field)})
                          for name, field in ROUND_FILES.items() if getattr(round_, field)]
    if round_.status == AllocationRound.Status.CANCELLED:
        leaves.append(("round-cancelled", {**where, "reason": round_.cancel_reason}))
    return leaves


def import_leaves(run: ImportRun) -> list[Leaf]:
    """What the log records of an import run as it is now: the file imported, and its undoing."""
    where = {"run": run.pk, "records": run.kind, "file": run.file_name, "sha256": run.sha256}
    leaves: list[Leaf] = [("import", {**where, "by": run.by})]
    if run.undone_at is not None:
        leaves.append(("import-undone", {**where, "by": run.undone_by, "reason": run.undo_reason}))
    return leaves


def append_once(kind: str, fields: dict[str, Any]) -> None:
    """A leaf of these fields, unless the log holds it already."""
    if not LogEntry.objects.filter(leaf_hash=leaf_hash(entry_data(kind, fields))).exists():
        entry_append(kind, fields)


def round_logged(sender: type[AllocationRound], instance: AllocationRound, **_: Any) -> None:
    for kind, fields in round_leaves(instance):
        append_once(kind, fields)


def import_logged(sender: type[ImportRun], instance: ImportRun, **_: Any) -> None:
    for kind, fields in import_leaves(instance):
        append_once(kind, fields)
