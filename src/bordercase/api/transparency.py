"""The transparency log in the API: its signed checkpoints and the consistency between any two, for anyone (no
token), and an event's inclusion in a checkpoint, for whoever may see the event.

Hashes are base64, as a checkpoint writes its root; a proof's hashes are in RFC 9162's order.
"""

from __future__ import annotations

import base64
from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from bordercase.api.auth import caller
from bordercase.api.schemas import ErrorOut
from bordercase.cases.access import request_get
from bordercase.cases.services.assessment import history_for
from bordercase.lib.errors import InvalidInput, NotFound
from bordercase.transparency.checkpoints import checkpoint_latest
from bordercase.transparency.log import event_entry
from bordercase.transparency.models import Checkpoint
from bordercase.transparency.proofs import consistency_between, entry_inclusion

router = Router(tags=["transparency"])
_ERRORS = {404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


class CheckpointOut(Schema):
    size: int = Field(description="How many entries the log's tree holds")
    root_hash: str = Field(description="The tree's root hash, base64")
    made_at: datetime
    note: str = Field(description="The checkpoint as a C2SP signed note: keep it to hold the log to it later")


def _checkpoint_out(checkpoint: Checkpoint) -> CheckpointOut:
    return CheckpointOut(size=checkpoint.size, root_hash=_b64(bytes(checkpoint.root_hash)),
                         made_at=checkpoint.made_at, note=checkpoint.note)


@router.get("/transparency/checkpoint", auth=None, response={200: CheckpointOut, 404: ErrorOut},
            summary="The log's latest signed checkpoint")
def latest_checkpoint(request: HttpRequest) -> CheckpointOut:
    latest = checkpoint_latest()
    if latest is None:
        raise NotFound("The log has no checkpoint yet: one is made every few minutes. Ask again shortly.")
    return _checkpoint_out(latest)


class CheckpointsQuery(Schema):
    below_size: int | None = Field(None, ge=1, description="Only checkpoints smaller than this, for the next page")
    limit: int = Field(50, ge=1, le=500)


@router.get("/transparency/checkpoints", auth=None, response=list[CheckpointOut],
            summary="The log's signed checkpoints, newest first")
def list_checkpoints(request: HttpRequest, query: Query[CheckpointsQuery]) -> list[CheckpointOut]:
    found = Checkpoint.objects.order_by("-size")
    if query.below_size is not None:
        found = found.filter(size__lt=query.below_size)
    return [_checkpoint_out(c) for c in found[:query.limit]]


class ConsistencyQuery(Schema):
    old_size: int = Field(description="The size of the older checkpoint")
    new_size: int = Field(description="The size of the newer checkpoint")


class ConsistencyOut(Schema):
    old_size: int
    new_size: int
    proof: list[str] = Field(description="RFC 9162's consistency proof, base64 hashes: `bordercase audit "
                                         "consistency OLD NEW --proof FILE` checks it against two kept checkpoints")


@router.get("/transparency/consistency", auth=None, response={200: ConsistencyOut, 422: ErrorOut},
            summary="The proof that the log of new_size entries extends the log of old_size")
def consistency(request: HttpRequest, query: Query[ConsistencyQuery]) -> ConsistencyOut:
    try:
        proof = consistency_between(query.old_size, query.new_size)
    except ValueError as exc:
        raise InvalidInput({"old_size": str(exc)}) from exc
    return ConsistencyOut(old_size=query.old_size, new_size=query.new_size, proof=[_b64(h) for h in proof])


class InclusionOut(Schema):
    leaf_index: int
    tree_size: int
    leaf_data: str = Field(description="The bytes the leaf hashes (canonical JSON), as text")
    leaf_hash: str = Field(description="SHA-256(0x00 ‖ leaf_data), base64")
    path: list[str] = Field(description="RFC 9162's inclusion proof, base64 hashes from the leaf up")
    checkpoint: CheckpointOut


@router.get("/requests/{reference}/events/{position}/inclusion", response={200: InclusionOut, **_ERRORS},
            summary="The proof that one of a request's events is in the log's latest checkpoint")
def event_inclusion(request: HttpRequest, reference: str, position: int) -> InclusionOut | Status:
    user = caller(request)
    found = request_get(user, reference)
    event = history_for(user, found).filter(position=position).first()
    entry = event_entry(event) if event is not None else None
    if entry is None:
        raise NotFound(f"No event {position} of {found.reference} that you can see. Check the position in the "
                       "request's history.")
    inclusion = entry_inclusion(entry)
    if inclusion is None:
        return Status(409, ErrorOut(message="The event is recorded in the log but no checkpoint holds it yet: one is "
                                            "made every few minutes. Ask again shortly."))
    return InclusionOut(leaf_index=inclusion.index, tree_size=inclusion.size, leaf_data=bytes(entry.data).decode(),
                        leaf_hash=_b64(inclusion.leaf_hash), path=[_b64(h) for h in inclusion.path],
                        checkpoint=_checkpoint_out(inclusion.checkpoint))
