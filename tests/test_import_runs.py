"""A history file counts once: the same file again is refused unless it replaces a named run, runs are listed,
and a run can be undone with the reason kept."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from bordercase.reporting.imports import AlreadyImported, NoSuchRun, import_requests, import_undo
from bordercase.reporting.models import ImportRun, Milestones
from tests.conftest import World
from tests.test_reporting import _summary, _write

LINES = ['{"category": "eoi-family-2020", "lodged_at": "2020-05-01T10:00:00+12:00"}\n',
         '{"category": "eoi-family-2020", "lodged_at": "2020-05-02T10:00:00+12:00", "decision": "eligible", '
         '"decided_at": "2020-05-04T10:00:00+12:00", "invited_at": "2020-05-05T10:00:00+12:00"}\n']


def lodged(as_at: str = "2020-06-10") -> int:
    return int(_summary(as_at)["total"]["lodged"])


def test_the_same_file_twice_is_refused_and_the_figures_stay(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path, "history.jsonl", LINES)
    call_command("import", "requests", str(path), stdout=StringIO(), stderr=StringIO())
    first = ImportRun.objects.get()
    assert lodged() == 2
    again = _write(tmp_path, "history-copy.jsonl", LINES)  # another name, the same bytes
    with pytest.raises(CommandError, match=rf"imported already, as import run {first.pk}.*--replaces {first.pk}"):
        call_command("import", "requests", str(again), stdout=StringIO(), stderr=StringIO())
    assert ImportRun.objects.count() == 1 and Milestones.objects.count() == 2 and lodged() == 2


def test_a_corrected_file_replaces_a_named_run_in_one_step(world: World, tmp_path: Path) -> None:
    first = import_requests(_write(tmp_path, "history.jsonl", LINES), by="hine").run
    corrected = _write(tmp_path, "history-v2.jsonl", LINES[:1])
    second = import_requests(corrected, by="hine", replaces=first.pk).run
    first.refresh_from_db()
    assert first.undone_at is not None and first.undone_by == "hine" and "history-v2.jsonl" in first.undo_reason
    assert list(Milestones.objects.values_list("import_run", flat=True)) == [second.pk]
    assert lodged() == 1
    with pytest.raises(NoSuchRun):  # a run already undone cannot be replaced again
        import_requests(_write(tmp_path, "v3.jsonl", LINES), by="hine", replaces=first.pk)


def test_undoing_a_run_takes_its_records_out_and_keeps_who_and_why(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path, "history.jsonl", LINES)
    run = import_requests(path, by="hine").run
    with pytest.raises(ValueError, match="Say why"):
        import_undo(run.pk, by="hine", reason="  ")
    assert lodged() == 2
    out = StringIO()
    call_command("import", "undo", str(run.pk), "--reason", "Loaded against the wrong scheme.", stdout=out)
    assert f"Import run {run.pk} undone" in out.getvalue()
    run.refresh_from_db()
    assert run.undo_reason == "Loaded against the wrong scheme." and run.undone_at is not None
    assert Milestones.objects.count() == 0 and lodged() == 0
    # Once undone, the same file may be imported again.
    import_requests(path, by="hine")
    assert lodged() == 2
    listed = StringIO()
    call_command("import", "runs", stdout=listed)
    assert "undone" in listed.getvalue() and "Loaded against the wrong scheme." in listed.getvalue()
    assert listed.getvalue().count("history.jsonl") == 2


@pytest.mark.parametrize("number", ["999", "x1"])
def test_undoing_a_run_that_is_not_there_says_so(world: World, number: str) -> None:
    with pytest.raises(CommandError, match="import runs"):
        call_command("import", "undo", number, "--reason", "Tidying.", stdout=StringIO())


def test_the_database_holds_a_file_to_one_run_even_without_the_check(world: World, tmp_path: Path) -> None:
    run = import_requests(_write(tmp_path, "history.jsonl", LINES), by="hine").run
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportRun.objects.create(kind=run.kind, file_name="again.jsonl", sha256=run.sha256, imported=0, rejected=0,
                                 by="someone")
    with pytest.raises(AlreadyImported):
        import_requests(_write(tmp_path, "again.jsonl", LINES), by="someone")
