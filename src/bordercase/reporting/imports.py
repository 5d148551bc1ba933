"""Importing historical records: every line checked first, then the whole file written in one transaction.

A file with any bad line is refused whole, with each bad line's number and problem, unless the operator asks to
skip them (``skip_bad``), when the rest go in and the refused lines are handed back to be written to a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from bordercase.cases.models import Scheme
from bordercase.cases.workdays import working_days_waited
from bordercase.reporting.figures import daily_counts_rebuild
from bordercase.reporting.models import ImportRun, Milestones, OffshoreVisaHolder
from bordercase.stats.records import BadLine, OffshoreHolder, RequestRecord, read_offshore, read_requests

BATCH = 5000
# (lines read, lines in the file): called now and then on a long import, for a progress display.
Progress = Callable[[int, int], None]


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


def import_requests(path: Path, *, by: str, skip_bad: bool = False, progress: Progress | None = None) -> Imported:
    known = frozenset(Scheme.objects.values_list("code", flat=True))

    def rows(item: RequestRecord) -> Milestones:
        return Milestones(category=item.category, lodged_at=item.lodged_at, decision=item.decision,
                          decided_at=item.decided_at, invited_at=item.invited_at, visa=item.visa,
                          visa_decided_at=item.visa_decided_at, decision_working_days=_waited(item))

    return _import(path, ImportRun.Kind.REQUESTS, by, skip_bad, progress,
                   lambda: read_requests(_lines(path), known), RequestRecord, rows, Milestones)


def import_offshore(path: Path, *, by: str, skip_bad: bool = False, progress: Progress | None = None) -> Imported:
    def rows(item: OffshoreHolder) -> OffshoreVisaHolder:
        return OffshoreVisaHolder(visa_type=item.visa_type, ordinarily_resident=item.ordinarily_resident,
                                  offshore_since=item.offshore_since)

    return _import(path, ImportRun.Kind.OFFSHORE, by, skip_bad, progress, lambda: read_offshore(_lines(path)),
                   OffshoreHolder, rows, OffshoreVisaHolder)


def _waited(item: RequestRecord) -> int | None:
    return None if item.decided_at is None else working_days_waited(item.lodged_at, item.decided_at)


def _import(path: Path, kind: str, by: str, skip_bad: bool, progress: Progress | None, read: Callable[[], Iterator],
            good: type, to_row: Callable, model: type) -> Imported:
    total = _count(path)
    # First pass: check every line and keep only the bad ones, so a large file is never held in memory.
    bad = [item for item in read() if isinstance(item, BadLine)]
    if bad and not skip_bad:
        raise ImportRefused(bad)
    with transaction.atomic():
        run = ImportRun.objects.create(kind=kind, file_name=path.name, sha256=_digest(path), imported=0,
                                       rejected=len(bad), by=by)
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
    if progress:
        progress(total, total)
    # History changes the days already counted: count them again.
    daily_counts_rebuild()
    return Imported(run, bad)
