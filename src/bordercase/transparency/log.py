"""Appending to the transparency log and placing its entries in the tree.

An entry is written in the transaction of what it records, so the two commit or roll back together. Its place in
the tree is given afterwards, by one sequencer at a time, to the entries committed by then in the order of their
ids: an entry whose transaction commits late is placed after every entry already placed, never among them, so
every tree the log has had is a prefix of the next (what a consistency proof shows).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from bordercase.cases.models import Event
from bordercase.lib.merkle import leaf_hash, root
from bordercase.lib.rows import rows_insert
from bordercase.transparency.models import LogEntry

EVENT = "event"  # the kind of an event's leaf
_SEQUENCER_LOCK = 0x6C6F67  # "log": the advisory lock's number, the log's own


def entry_data(kind: str, fields: dict[str, Any]) -> bytes:
    """The bytes a leaf hashes: canonical JSON (sorted keys, no spaces, UTF-8) of the kind and its fields."""
    if "kind" in fields:
        raise ValueError("A leaf's fields cannot have a 'kind': the leaf's own kind would be lost.")
    return json.dumps({"kind": kind, **fields}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def entry_append(kind: str, fields: dict[str, Any]) -> LogEntry:
    data = entry_data(kind, fields)
    entry = LogEntry(kind=kind, data=data, leaf_hash=leaf_hash(data), recorded_at=timezone.now())
    rows_insert(entry)  # on every event, the lodging's busy path among them
    return entry


def event_fields(event: Event) -> dict[str, Any]:
    """What an event's leaf records: where it is and, through its chain hash, everything it says."""
    # In UTC whatever zone the moment came in, so that the event read back makes the same bytes.
    return {"request": event.request.reference, "position": event.position, "transition": event.transition,
            "at": event.at.astimezone(dt.UTC).isoformat(), "hash": event.hash}


def event_logged(sender: type[Event], instance: Event, created: bool, **_: Any) -> None:
    """Connected to the event's post_save: the event as a leaf, bound to its content through its chain hash."""
    if created:
        entry_append(EVENT, event_fields(instance))


def event_entry(event: Event) -> LogEntry | None:
    """The event's leaf, found by the hash of what it records: None if the event no longer says what it did."""
    return LogEntry.objects.filter(leaf_hash=leaf_hash(entry_data(EVENT, event_fields(event)))).first()


@transaction.atomic
def entries_sequence() -> int:
    """Give every committed entry without a place the next places, in the order of their ids; how many there were.

    One sequencer at a time, so two never hand out the same place: PostgreSQL holds a lock of the log's own until
    the transaction ends; SQLite writes one transaction at a time anyway.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEQUENCER_LOCK])
    start = tree_size()
    waiting = list(LogEntry.objects.filter(index__isnull=True).order_by("pk").only("pk"))
    for offset, entry in enumerate(waiting):
        entry.index = start + offset
    # A draw records thousands of events at once: placed a thousand to a statement, not one statement each.
    LogEntry.objects.bulk_update(waiting, ["index"], batch_size=1000)
    return len(waiting)


def tree_size() -> int:
    top = LogEntry.objects.aggregate(top=Max("index"))["top"]
    return 0 if top is None else top + 1


def tree_leaves(size: int | None = None) -> list[bytes]:
    """The leaf hashes of the tree's first ``size`` entries (all placed, by default), in order."""
    placed = LogEntry.objects.filter(index__isnull=False).order_by("index")
    if size is not None:
        placed = placed.filter(index__lt=size)
    return [bytes(h) for h in placed.values_list("leaf_hash", flat=True)]


def tree_root(size: int | None = None) -> bytes:
    return root(tree_leaves(size))
