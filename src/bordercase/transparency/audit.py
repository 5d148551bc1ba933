"""Holding the database to checkpoints kept outside it.

A request's hash chain shows an edited, inserted or re-ordered event, but not a request deleted whole, nor a table
emptied: the chain's head lives in the same database. A checkpoint someone kept (a signed tree size and root)
does: the log's first entries must still make its root, and every event the log recorded must still be in the
database, as recorded, and no event be there that the log did not record.
"""

from __future__ import annotations

import json
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import F

from bordercase.cases.models import AllocationRound, Event, Request
from bordercase.immigration.models import IssuedLetter
from bordercase.lib.merkle import leaf_hash, root, verify_consistency
from bordercase.lib.signed_note import Checkpoint as CheckpointText
from bordercase.lib.signed_note import NoteError, Verifier
from bordercase.reporting.models import ImportRun
from bordercase.transparency.letters import KIND as LETTER
from bordercase.transparency.letters import letter_fields
from bordercase.transparency.log import EVENT, entry_data
from bordercase.transparency.models import LogEntry
from bordercase.transparency.records import Leaf, import_leaves, round_leaves

Progress = Callable[[str, int, int], None]
_FETCH_LIMIT = 64 * 1024  # a checkpoint is a few hundred bytes; a proof a few kilobytes


def fetched(where: str, what: str) -> str:
    """The text of a file, or of an https:// or http:// address; NoteError saying what to do if it cannot be read."""
    try:
        if where.startswith(("https://", "http://")):
            with urllib.request.urlopen(where, timeout=30) as response:  # noqa: S310 - the scheme is checked above
                return response.read(_FETCH_LIMIT).decode("utf-8")
        return Path(where).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NoteError(f"Cannot read the {what} {where}: {exc}. Check the path or address.") from exc


def kept_checkpoint(note: str, verifier: Verifier) -> CheckpointText:
    """The checkpoint in a signed note, if the log's key signed it and it is of this log; else NoteError."""
    checkpoint = CheckpointText.from_text(verifier.open(note))
    if checkpoint.origin != settings.TRANSPARENCY_ORIGIN:
        raise NoteError(f"The checkpoint is of the log {checkpoint.origin!r}, not of this one "
                        f"({settings.TRANSPARENCY_ORIGIN!r}).")
    return checkpoint


def tree_problems(kept: CheckpointText, progress: Progress | None = None) -> Iterator[str]:
    """How the log in the database fails to be the one the checkpoint signed, if it does."""
    hashes: list[bytes] = []
    placed = LogEntry.objects.filter(index__isnull=False).order_by("index")
    total = placed.count()
    expected = 0  # the index the next entry should have
    for index, kind, data, stored in placed.values_list("index", "kind", "data", "leaf_hash").iterator(2000):
        if index != expected:  # indices are unique, so only ever a gap
            yield f"Log entries {expected} to {index - 1} are missing: they were deleted."
        expected = index + 1
        hashed = leaf_hash(bytes(data))
        if hashed != bytes(stored):
            yield f"Log entry {index} ({kind}): its contents were changed after it was recorded."
        hashes.append(hashed)
        if progress and len(hashes) % 50_000 == 0:
            progress("log entries", len(hashes), total)
    if len(hashes) < kept.size:
        yield (f"The log holds {len(hashes):,} entries but the checkpoint kept has {kept.size:,}: entries were "
               "removed (the log was emptied or cut short).")
    elif root(hashes[:kept.size]) != kept.root:
        yield (f"The log's first {kept.size:,} entries do not make the checkpoint's root hash: entries were changed, "
               "inserted, removed or re-ordered since it was signed.")


@dataclass(frozen=True)
class _Read:
    """A leaf as the audit reads it: how a message names it, and its fields, or why there are none to hold to."""

    where: str
    fields: dict[str, Any]
    hashed: bytes = b""
    problem: str = ""


def _leaves(kind: str) -> Iterator[_Read]:
    """Each leaf of a kind, earliest first: placed, in tree order, then those waiting. A placed leaf whose bytes no
    longer make its hash is left out, for tree_problems tells of it."""
    entries = LogEntry.objects.filter(kind=kind).order_by(F("index").asc(nulls_last=True), "pk")
    for index, data, stored in entries.values_list("index", "data", "leaf_hash").iterator(2000):
        where = f"Log entry {index}" if index is not None else "A log entry not yet in the tree"
        if leaf_hash(bytes(data)) != bytes(stored):
            if index is None:
                yield _Read(where, {}, problem=f"{where} ({kind}): its contents were changed after it was recorded.")
            continue
        try:
            fields = json.loads(bytes(data))
        except ValueError:
            fields = None
        yield (_Read(where, fields, bytes(stored)) if isinstance(fields, dict) else
               _Read(where, {}, problem=f"{where} ({kind}) does not record what its kind records: it was forged."))


def event_problems(progress: Progress | None = None) -> Iterator[str]:
    """Every event the log recorded that the database no longer holds as recorded, and every event it holds that
    the log never recorded."""
    logged: dict[tuple[str, int], str] = {}
    for read in _leaves(EVENT):
        try:
            at = (str(read.fields["request"]), int(read.fields["position"]))
            recorded = str(read.fields["hash"])
        except (KeyError, TypeError, ValueError):
            yield read.problem or f"{read.where} (event) does not record what its kind records: it was forged."
            continue
        if at in logged:  # the earliest is what bordercase wrote: a later one was added behind its back
            yield (f"{read.where} records {at[0]} event {at[1]} again: it was added to the log behind bordercase's "
                   "back, and the event is held to its first record.")
        else:
            logged[at] = recorded
    total = Event.objects.count()
    stored = Event.objects.order_by("pk").values_list("request__reference", "position", "transition", "hash")
    for done, (reference, position, transition, hashed) in enumerate(stored.iterator(2000), start=1):
        recorded = logged.pop((reference, position), None)
        if recorded is None:
            yield (f"{reference} event {position} ({transition}) is not in the transparency log: it was inserted "
                   "without being recorded.")
        elif recorded != hashed:
            yield (f"{reference} event {position} ({transition}) is not the event the log recorded there: it was "
                   "changed, or put in another's place, after it was recorded.")
        if progress and done % 50_000 == 0:
            progress("events", done, total)
    missing: dict[str, list[int]] = defaultdict(list)
    for reference, position in logged:
        missing[reference].append(position)
    remaining = set(Request.objects.filter(reference__in=missing).values_list("reference", flat=True))
    for reference, positions in sorted(missing.items()):
        if reference not in remaining:
            yield (f"Request {reference} and its {len(positions)} recorded event(s) are in the transparency log but "
                   "not in the database: the request was deleted.")
        else:
            listed = ", ".join(str(p) for p in sorted(positions))
            yield (f"{reference} event(s) {listed} are in the transparency log but not in the database: they were "
                   "deleted.")


def consistency_problems(old: CheckpointText, new: CheckpointText, proof: list[bytes]) -> list[str]:
    """Nothing if the newer checkpoint's tree extends the older's, by the proof; else why not."""
    if old.size > new.size:
        return [f"The first checkpoint ({old.size:,} entries) is larger than the second ({new.size:,}): give the "
                "older first."]
    if old.size == 0:
        return []  # the empty tree is a prefix of every tree
    if not verify_consistency(old.size, new.size, old.root, new.root, proof):
        return [f"The log of {new.size:,} entries does not extend the log of {old.size:,}: the proof does not "
                "join their root hashes, so entries the older checkpoint signed were changed or removed."]
    return []


@dataclass(frozen=True)
class _Recorded:
    """A kind of record the log holds besides events: how a leaf names its record, and how a message does."""

    kind: str
    key: Callable[[dict[str, Any]], tuple[Any, ...]]
    named: Callable[[tuple[Any, ...]], str]


_RECORDED = [
    _Recorded(LETTER, lambda f: (f["code"],), lambda k: f"Letter {k[0]}"),
    _Recorded("ballot-file", lambda f: (f["scheme"], f["round"], f["file"]),
              lambda k: f"The {k[2]} file of {k[0]} round {k[1]}"),
    _Recorded("round-cancelled", lambda f: (f["scheme"], f["round"]),
              lambda k: f"The cancellation of {k[0]} round {k[1]}"),
    _Recorded("import", lambda f: (f["run"],), lambda k: f"Import run {k[0]}"),
    _Recorded("import-undone", lambda f: (f["run"],), lambda k: f"The undoing of import run {k[0]}"),
]


def _records_now() -> Iterator[Leaf]:
    """The leaves every letter, round and import run would make as each is now."""
    for letter in IssuedLetter.objects.select_related("request").order_by("pk").iterator(500):
        yield LETTER, letter_fields(letter)
    for round_ in AllocationRound.objects.select_related("scheme").order_by("pk"):
        yield from round_leaves(round_)
    for run in ImportRun.objects.order_by("pk"):
        yield from import_leaves(run)


def record_problems() -> Iterator[str]:
    """Every letter, allocation round file and import the log recorded that the database no longer holds as
    recorded, and every one it holds that the log never recorded."""
    recorded = {r.kind: r for r in _RECORDED}
    logged: dict[tuple[str, tuple[Any, ...]], bytes] = {}
    for kind in recorded:
        for read in _leaves(kind):
            try:
                at = (kind, recorded[kind].key(read.fields))
            except (KeyError, TypeError):
                yield read.problem or f"{read.where} ({kind}) does not record what its kind records: it was forged."
                continue
            if at in logged:
                yield (f"{read.where} records {recorded[kind].named(at[1]).lower()} again: it was added to the log "
                       "behind bordercase's back, and the record is held to its first leaf.")
            else:
                logged[at] = read.hashed
    seen = set()
    for kind, fields in _records_now():
        at = (kind, recorded[kind].key(fields))
        seen.add(at)
        if logged.get(at) == leaf_hash(entry_data(kind, fields)):
            continue
        yield (f"{recorded[kind].named(at[1])}: it is not what the transparency log recorded: it was changed after "
               "it was recorded." if at in logged else
               f"{recorded[kind].named(at[1])} is not in the transparency log: it was made without being recorded.")
    for kind, key in sorted(logged.keys() - seen, key=str):
        yield (f"{recorded[kind].named(key)} is in the transparency log but not in the database: it was deleted.")
