"""Allocation rounds' published files and historical imports as leaves of the transparency log, each once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import transaction

from bordercase.cases.models import AllocationRound
from bordercase.reporting.imports import import_requests, import_undo
from bordercase.transparency.log import entry_data
from bordercase.transparency.models import LogEntry
from tests.allocation_support import drawn_round, eligible
from tests.conftest import World, set_places
from tests.test_import_runs import LINES
from tests.test_reporting import _write


def leaves(kind: str) -> list[dict[str, object]]:
    return [json.loads(bytes(data)) for data in
            LogEntry.objects.filter(kind=kind).order_by("pk").values_list("data", flat=True)]


def test_a_drawn_rounds_files_are_each_a_leaf_once(world: World) -> None:
    set_places(1)
    eligible(world)
    eligible(world)
    drawn = drawn_round(world)
    where = {"kind": "ballot-file", "scheme": drawn.scheme.code, "round": drawn.number}
    assert leaves("ballot-file") == [{**where, "file": "entries", "sha256": drawn.entries_sha256},
                                     {**where, "file": "results", "sha256": drawn.results_sha256},
                                     {**where, "file": "manifest", "sha256": drawn.manifest_sha256}]
    AllocationRound.objects.get(pk=drawn.pk).save()  # saved again: nothing new to record
    assert len(leaves("ballot-file")) == 3


def test_a_cancelled_round_is_a_leaf_with_its_public_reason(world: World) -> None:
    set_places(1)
    eligible(world)
    eligible(world)
    drawn = drawn_round(world)
    drawn.status, drawn.cancel_reason = AllocationRound.Status.CANCELLED, "A holder's secret was lost."
    drawn.save()
    assert leaves("round-cancelled") == [{"kind": "round-cancelled", "scheme": drawn.scheme.code,
                                          "round": drawn.number, "reason": "A holder's secret was lost."}]


def test_an_import_and_its_undoing_are_leaves_and_roll_back_with_it(world: World, tmp_path: Path) -> None:
    run = import_requests(_write(tmp_path, "history.jsonl", LINES), by="hine").run
    where = {"run": run.pk, "records": "requests", "file": "history.jsonl", "sha256": run.sha256}
    assert leaves("import") == [{**where, "kind": "import", "by": "hine"}]
    import_undo(run.pk, by="mere", reason="Loaded against the wrong scheme.")
    assert leaves("import-undone") == [{**where, "kind": "import-undone", "by": "mere",
                                        "reason": "Loaded against the wrong scheme."}]
    with transaction.atomic():
        import_requests(_write(tmp_path, "other.jsonl", LINES[:1]), by="hine")
        transaction.set_rollback(True)
    assert len(leaves("import")) == 1


def test_a_leaf_keeps_its_own_kind() -> None:
    with pytest.raises(ValueError, match="cannot have a 'kind'"):
        entry_data("import", {"kind": "requests"})
