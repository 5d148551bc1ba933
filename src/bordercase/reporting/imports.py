"""Importing historical records: every line checked first, then the whole file written in one transaction.

A file with any bad line is refused whole, with each bad line's number and problem, unless the operator asks to
skip them (``skip_bad``), when the rest go in and the refused lines are handed back to be written to a file.
A file already imported (the same SHA-256) is refused, since its records would count twice, unless it replaces a
named run; a run can be undone, its records taken out and the undoing kept on the run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from bordercase.accounts.administration import action_record, administrator_require
from bordercase.accounts.models import User
from bordercase.cases.models import Scheme
from bordercase.reporting.figures import daily_counts_rebuild
from bordercase.reporting.models import ImportRun, Milestones, OffshoreVisaHolder
from bordercase.stats.records import BadLine, OffshoreHolder, RequestRecord, read_offshore, read_requests
from bordercase.workdays import working_days_waited

BATCH = 5000
# Who imports: an administrator's account on the pages, or the operating system's user on the command line.
Importer = User | str


def _label(by: Importer) -> str:
    return by.email if isinstance(by, User) else by


def _account(by: Importer) -> User | None:
    return by if isinstance(by, User) else None
# (lines read, lines in the file): called now and then on a long import, for a progress display.
Progress = Callable[[int, int], None]


class AlreadyImported(Exception):
    """The same file (by its SHA-256) is in the figures already, through ``run``."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        super().__init__(f"This file was imported already, as import run {run.pk} on {run.at:%Y-%m-%d} by {run.by} "
                         f"({run.imported:,} records): importing it again would count them twice.")


class NoSuchRun(Exception):
    """There is no import run of that number (of that kind, not undone) to undo or replace."""


class ImportRefused(Exception):
    def __init__(self, bad: list[BadLine]) -> None:
        self.bad = bad
        super().__init__(f"{len(bad)} bad line{'s' if len(bad) != 1 else ''}: nothing was imported.")


@dataclass(frozen=True)
class Imported:
    run: ImportRun
    rejected: list[BadLine]


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from handle


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _count(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def import_requests(path: Path, *, by: Importer, skip_bad: bool = False, progress: Progress | None = None,
                    replaces: int | None = None) -> Imported:
    known = frozenset(Scheme.objects.values_list("code", flat=True))

    def rows(item: RequestRecord) -> Milestones:
        return Milestones(category=item.category, lodged_at=item.lodged_at, decision=item.decision,
                          decided_at=item.decided_at, invited_at=item.invited_at, visa=item.visa,
                          visa_decided_at=item.visa_decided_at, decision_working_days=_waited(item))

    return _import(path, ImportRun.Kind.REQUESTS, by, skip_bad, progress,
                   lambda: read_requests(_lines(path), known), RequestRecord, rows, Milestones, replaces)


def import_offshore(path: Path, *, by: Importer, skip_bad: bool = False, progress: Progress | None = None,
                    replaces: int | None = None) -> Imported:
    def rows(item: OffshoreHolder) -> OffshoreVisaHolder:
        return OffshoreVisaHolder(visa_type=item.visa_type, ordinarily_resident=item.ordinarily_resident,
                                  offshore_since=item.offshore_since)

    return _import(path, ImportRun.Kind.OFFSHORE, by, skip_bad, progress, lambda: read_offshore(_lines(path)),
                   OffshoreHolder, rows, OffshoreVisaHolder, replaces)


def _waited(item: RequestRecord) -> int | None:
    return None if item.decided_at is None else working_days_waited(item.lodged_at, item.decided_at)


def _import(path: Path, kind: str, by: Importer, skip_bad: bool, progress: Progress | None,
            read: Callable[[], Iterator], good: type, to_row: Callable, model: type, replaces: int | None) -> Imported:
    administrator_require(_account(by), "import history")
    digest = _digest(path)
    replaced = _current_run(replaces, kind) if replaces is not None else None
    _refuse_repeat(kind, digest, replaced)
    total = _count(path)
    # First pass: check every line and keep only the bad ones, so a large file is never held in memory.
    bad = [item for item in read() if isinstance(item, BadLine)]
    if bad and not skip_bad:
        raise ImportRefused(bad)
    with transaction.atomic():
        if replaced is not None:
            _take_out(replaced, by=by, reason=f"Replaced by {path.name} (SHA-256 {digest[:16]}…).")
        try:
            # The database holds a file to one run that is not undone, even against two imports at once.
            with transaction.atomic():
                run = ImportRun.objects.create(kind=kind, file_name=path.name, sha256=digest, imported=0,
                                               rejected=len(bad), by=_label(by))
        except IntegrityError:
            _refuse_repeat(kind, digest, None)
            raise
        batch, imported = [], 0
        for number, item in enumerate(read(), start=1):
            if isinstance(item, good):
                row = to_row(item)
                row.import_run = run
                batch.append(row)
            if len(batch) >= BATCH:
                model.objects.bulk_create(batch)
                imported += len(batch)
                batch = []
                if progress:
                    progress(number, total)
        model.objects.bulk_create(batch)
        imported += len(batch)
        ImportRun.objects.filter(pk=run.pk).update(imported=imported)
        run.imported = imported
        action_record(by=_account(by), action="import",
                      subject=f"{run.get_kind_display()} from {path.name} (run {run.pk})",
                      reason=f"Replaces import run {replaced.pk}." if replaced else "Historical records for the "
                      "official statistics.", details={"run": run.pk, "sha256": digest, "imported": imported,
                                                         "rejected": len(bad)})
    if progress:
        progress(total, total)
    # History changes the days already counted: count them again.
    daily_counts_rebuild()
    return Imported(run, bad)


def _current_run(number: int, kind: str) -> ImportRun:
    found = ImportRun.objects.filter(pk=number, kind=kind, undone_at__isnull=True).first()
    if found is None:
        raise NoSuchRun(f"There is no import run {number} of {ImportRun.Kind(kind).label.lower()} that is still in "
                        "the figures: `bordercase import runs` lists them.")
    return found


def _refuse_repeat(kind: str, digest: str, replaced: ImportRun | None) -> None:
    same = ImportRun.objects.filter(kind=kind, sha256=digest, undone_at__isnull=True).first()
    if same is not None and (replaced is None or same.pk != replaced.pk):
        raise AlreadyImported(same)


def _take_out(run: ImportRun, *, by: Importer, reason: str) -> None:
    model = Milestones if run.kind == ImportRun.Kind.REQUESTS else OffshoreVisaHolder
    model.objects.filter(import_run=run).delete()
    run.undone_at, run.undone_by, run.undo_reason = timezone.now(), _label(by), reason
    run.save(update_fields=["undone_at", "undone_by", "undo_reason"])


def import_undo(number: int, *, by: Importer, reason: str) -> ImportRun:
    """Take a run's records out of the figures, keeping the run with who undid it, when and why."""
    administrator_require(_account(by), "undo an import")
    if not reason.strip():
        raise ValueError("Say why the run is undone (--reason): the record keeps it.")
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().filter(pk=number, undone_at__isnull=True).first()
        if run is None:
            raise NoSuchRun(f"There is no import run {number} still in the figures: `bordercase import runs` lists "
                            "them.")
        _take_out(run, by=by, reason=reason.strip())
        action_record(by=_account(by), action="import_undo", subject=f"{run.get_kind_display()} from {run.file_name} "
                      f"(run {run.pk})", reason=reason.strip(), details={"run": run.pk, "removed": run.imported})
    daily_counts_rebuild()
    return run


def import_runs() -> list[ImportRun]:
    """Every import run, newest first, undone ones included."""
    return list(ImportRun.objects.order_by("-at", "-pk"))
