"""Every event is a leaf of the transparency log, written with it; the sequencer places committed leaves at the
tree's end, so every tree the log has had is a prefix of the next."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction

from bordercase.cases.models import Event, Request
from bordercase.cases.services.lodging import request_lodge
from bordercase.lib.merkle import consistency_proof, leaf_hash, root, verify_consistency, verify_inclusion
from bordercase.lib.merkle import inclusion_proof as path_of
from bordercase.transparency.log import entries_sequence, entry_append, tree_leaves, tree_root, tree_size
from bordercase.transparency.models import LogEntry
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
    LogEntry.objects.filter(pk=early.pk).update(index=None)
    LogEntry.objects.filter(pk=later.pk).update(index=0)  # as if `later` committed and was placed first
    entries_sequence()
    assert LogEntry.objects.get(pk=early.pk).index == 1
