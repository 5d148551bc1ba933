"""Every event is a leaf of the transparency log, written with it; the sequencer places committed leaves at the
tree's end, so every tree the log has had is a prefix of the next."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.test import Client

from bordercase.cases.models import Event, Request
from bordercase.cases.services.lodging import request_lodge
from bordercase.lib.merkle import consistency_proof, leaf_hash, root, verify_consistency, verify_inclusion
from bordercase.lib.merkle import inclusion_proof as path_of
from bordercase.lib.signed_note import Checkpoint as SignedCheckpoint
from bordercase.lib.signed_note import Signer, Verifier
from bordercase.transparency.checkpoints import checkpoint_make, log_signer
from bordercase.transparency.log import entries_sequence, entry_append, tree_leaves, tree_root, tree_size
from bordercase.transparency.models import Checkpoint, LogEntry
from tests.conftest import World


def logged_events() -> list[dict[str, Any]]:
    return [json.loads(bytes(data)) for data in LogEntry.objects.order_by("pk").values_list("data", flat=True)]


def test_every_event_is_a_leaf_bound_to_its_chain_hash(world: World, make_request: Callable[..., Request]) -> None:
    request = make_request()
    request_lodge(request=request, by=world.employer_a)
    events = list(Event.objects.filter(request=request).order_by("position"))
    leaves = logged_events()
    assert [(leaf["kind"], leaf["request"], leaf["position"], leaf["transition"], leaf["hash"]) for leaf in leaves] \
        == [("event", request.reference, e.position, e.transition, e.hash) for e in events]
    for entry in LogEntry.objects.all():
        assert bytes(entry.leaf_hash) == leaf_hash(bytes(entry.data))


def test_an_event_rolled_back_leaves_no_leaf(world: World, make_request: Callable[..., Request]) -> None:
    request = make_request()
    before = LogEntry.objects.count()
    with contextlib.suppress(RuntimeError), transaction.atomic():
        request_lodge(request=request, by=world.employer_a)
        assert LogEntry.objects.count() == before + 1
        raise RuntimeError("rolled back")
    assert LogEntry.objects.count() == before


def test_the_sequencer_places_each_leaf_once_at_the_end_and_the_tree_only_grows(
    world: World, make_request: Callable[..., Request]
) -> None:
    make_request()
    placed = entries_sequence()
    assert placed == tree_size() > 0
    first_size, first_root = tree_size(), tree_root()
    assert entries_sequence() == 0 and tree_root() == first_root  # nothing new: nothing moves
    request_lodge(request=make_request(), by=world.employer_a)
    assert LogEntry.objects.filter(index__isnull=True).count() == 2
    assert entries_sequence() == 2
    indexes = sorted(LogEntry.objects.values_list("index", flat=True))
    assert indexes == list(range(tree_size()))  # no gap, no place given twice
    leaves = tree_leaves()
    assert tree_root() == root(leaves)
    assert verify_consistency(first_size, len(leaves), first_root, tree_root(), consistency_proof(leaves, first_size))
    last = len(leaves) - 1
    assert verify_inclusion(last, len(leaves), leaves[last], path_of(leaves, last), tree_root())


def test_a_leaf_committed_late_is_placed_after_those_placed_before(db: None) -> None:
    # An entry with a lower id whose transaction commits after a sequencing goes at the end, not among the placed.
    early = entry_append("test", {"n": 1})
    later = entry_append("test", {"n": 2})
    assert early.index is None and later.index is None
    LogEntry.objects.filter(pk=later.pk).update(index=0)  # as if `later` committed and was placed first
    entries_sequence()
    assert LogEntry.objects.get(pk=early.pk).index == 1


# --- signed checkpoints ---------------------------------------------------------------------------------------------


@pytest.fixture
def log_key(settings: Any, tmp_path: Path) -> Signer:
    signer = Signer.generate(settings.TRANSPARENCY_ORIGIN)
    (tmp_path / "log.key").write_text(signer.text() + "\n")
    settings.TRANSPARENCY_KEY_FILE = str(tmp_path / "log.key")
    return signer


def test_a_checkpoint_signs_the_log_as_it_is_is_served_and_the_next_extends_it(
    world: World, make_request: Callable[..., Request], log_key: Signer, client: Client,
) -> None:
    empty = client.get("/transparency/checkpoint")
    assert empty.status_code == 404 and "no checkpoint yet" in empty.content.decode()
    make_request()
    first = checkpoint_make()
    served = client.get("/transparency/checkpoint")
    assert served.status_code == 200 and served["Content-Type"].startswith("text/plain")
    stated = SignedCheckpoint.from_text(Verifier.from_text(log_key.verifier_key()).open(served.content.decode()))
    assert (stated.size, stated.root) == (LogEntry.objects.count(), tree_root()) == (first.size, bytes(first.root_hash))
    assert checkpoint_make() == first  # nothing new: the same checkpoint, not another
    request_lodge(request=make_request(), by=world.employer_a)
    second = checkpoint_make()
    assert second.size == first.size + 2  # the new draft's event, then its lodging's
    leaves = tree_leaves()
    assert verify_consistency(first.size, second.size, bytes(first.root_hash), bytes(second.root_hash),
                              consistency_proof(leaves, first.size))


def test_the_command_signs_and_prints_the_key_that_checks_it(db: None, log_key: Signer) -> None:
    out = io.StringIO()
    call_command("transparency", "public-key", stdout=out)
    assert out.getvalue().strip() == log_key.verifier_key()
    note = io.StringIO()
    call_command("transparency", "checkpoint", stdout=note)
    assert Verifier.from_text(out.getvalue()).open(note.getvalue())
    made = io.StringIO()
    call_command("transparency", "key", stdout=made)
    assert Signer.from_text(made.getvalue()).name == log_key.name


def test_without_a_key_production_signs_nothing_and_says_what_to_do(db: None, settings: Any) -> None:
    settings.PRODUCTION, settings.TRANSPARENCY_KEY_FILE = True, ""
    with pytest.raises(CommandError, match="Set BORDERCASE_LOG_KEY_FILE"):
        call_command("transparency", "checkpoint")
    assert not Checkpoint.objects.exists()


def test_a_key_made_for_another_log_is_refused(db: None, settings: Any, tmp_path: Path) -> None:
    (tmp_path / "other.key").write_text(Signer.generate("another.example/log").text())
    settings.TRANSPARENCY_KEY_FILE = str(tmp_path / "other.key")
    with pytest.raises(ImproperlyConfigured, match=r"named 'another\.example/log'"):
        log_signer()


def test_development_makes_its_own_key_once_readable_by_its_owner_alone(settings: Any, tmp_path: Path) -> None:
    settings.PRODUCTION, settings.TRANSPARENCY_KEY_FILE, settings.VAR_DIR = False, "", tmp_path
    first = log_signer()
    assert log_signer().verifier_key() == first.verifier_key()
    assert (tmp_path / "transparency-log.key").stat().st_mode & 0o777 == 0o600


def test_checkpoints_are_signed_every_few_seconds_until_the_process_is_stopped(
    world: World, make_request: Callable[..., Request], log_key: Signer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    command = importlib.import_module("bordercase.transparency.management.commands.transparency")
    monkeypatch.setattr(command, "close_old_connections", lambda: None)  # the test's own transaction stays open
    made: list[int] = []
    before = signal.getsignal(signal.SIGTERM)

    def make_and_grow() -> Checkpoint:
        checkpoint = checkpoint_make()
        made.append(checkpoint.size)
        if len(made) == 1:
            make_request()  # the log grows before the next
        elif len(made) == 2:
            raise DatabaseError("the server closed the connection")
        else:
            signal.raise_signal(signal.SIGTERM)  # as a service manager stops it
        return checkpoint

    monkeypatch.setattr(command, "checkpoint_make", make_and_grow)
    out, err = io.StringIO(), io.StringIO()
    call_command("transparency", "checkpoint", "--every", "1", stdout=out, stderr=err)
    assert len(made) == 3 and made[0] < made[2]
    lines = out.getvalue().splitlines()
    assert lines[0] == "Signing the transparency log every 1 s; stop with Ctrl-C or SIGTERM."
    assert [line.split(",")[0] for line in lines[1:3]] == [f"Checkpoint: {made[0]:,} entries",
                                                            f"Checkpoint: {made[2]:,} entries"]
    assert lines[-1] == "Stopped." and "the database did not answer" in err.getvalue()
    assert signal.getsignal(signal.SIGTERM) is before  # the process's own handling, back as it was
    with pytest.raises(CommandError, match="1 or more"):
        call_command("transparency", "checkpoint", "--every", "0")
