"""API routes for allocation rounds: anyone may read a round and download its files; only a scheme administrator
takes a round a step on (open, freeze, publish, draw), and everyone else gets a 404 for those routes.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from bordercase.accounts.models import User
from bordercase.accounts.roles import is_administrator
from bordercase.api.auth import caller
from bordercase.api.requests import ERRORS
from bordercase.api.schemas import CSV_FILE, RowId, file_download
from bordercase.ballot import ALGORITHM
from bordercase.cases.models import AllocationRound, Scheme
from bordercase.cases.services import allocation, declared_rounds, rounds
from bordercase.lib.errors import InvalidInput

router = Router(tags=["allocation"])


class FileOut(Schema):
    name: str
    sha256: str
    url: str


class ReallocationOut(Schema):
    at: dt.datetime
    released_entry_id: str
    because: str = Field(description="The state the released entry's request moved to: withdrawn, lapsed, …")
    promoted_entry_id: str | None = Field(description="The waitlisted entry given the place; null if none fitted.")


class HolderOut(Schema):
    position: int
    role: str = Field(description="administrator or observer")
    commitment: str = Field(description="Public from publishing.")
    secret: str = Field(description="Public from the draw.")


class RoundOut(Schema):
    scheme: str
    number: int
    status: str = Field(description="open, frozen, published, drawn, allocated (every entry fitted: no draw) or "
                                    "cancelled.")
    method: str = Field(description="ballot or order_of_receipt")
    algorithm: str
    places: int | None
    category_caps: dict[str, int]
    employer_cap: int | None
    entries: int
    entries_sha256: str = Field(description="Empty until the entries are published.")
    commitment: str
    public_value_declaration: str
    public_value: str
    secret: str = Field(description="Hexadecimal; empty until the draw reveals it.")
    seed: str
    results_sha256: str
    results: dict[str, int] = Field(description="How many entries were selected, waitlisted and duplicate.")
    protocol: str = Field(description="bordercase-ballot-v2, or v1 for a round published before it.")
    declaration_sha256: str = Field(description="v2: the SHA-256 of the declaration as published (RFC 8785).")
    beacon_round: int | None = Field(description="v2: the drand quicknet round the draw mixes in.")
    beacon_signature: str = Field(description="v2: that round's signature, given at the draw.")
    holders: list[HolderOut] = Field(description="v2: each holder of a secret, in the order they are mixed in.")
    cancel_reason: str = Field(description="Why the round was cancelled; empty unless it was.")
    files: list[FileOut]
    reallocations: list[ReallocationOut]


class PublishIn(Schema):
    beacon_round: int | None = Field(None, ge=1, lt=2**63, description="For a v2 ballot: the drand quicknet round to "
                                     "mix in, due at least two minutes after publishing.")
    public_value_declaration: str = Field("", description="For a v1 ballot: the future public value to be mixed in.")


class PublishedOut(Schema):
    round: RoundOut
    secret: str = Field(description="For a ballot, the secret in hexadecimal: returned this once and never stored. "
                                    "Keep it, and give it back to draw.")


class DrawIn(Schema):
    signature: str = Field("", max_length=400, description="For a v2 ballot: the declared beacon round's signature, "
                           "as drand published it.")
    secret: str = Field("", description="For a v1 ballot: the secret returned when the round was published.")
    public_value: str = Field("", description="For a v1 ballot: the public value named in the declaration.")


def round_out(found: AllocationRound) -> RoundOut:
    files = rounds.published_files(found)
    base = f"/allocation/{found.scheme.code}/{found.number}/"
    return RoundOut(
        scheme=found.scheme.code, number=found.number, status=found.status, method=found.method,
        algorithm=ALGORITHM, places=found.places, category_caps=found.category_caps,
        employer_cap=found.employer_cap, entries=rounds.entry_count(found),
        entries_sha256=found.entries_sha256 if "entries.csv" in files else "", commitment=found.commitment,
        public_value_declaration=found.public_value_declaration, public_value=found.public_value,
        secret=found.secret, seed=found.seed, results_sha256=found.results_sha256,
        results=rounds.result_counts(found), protocol=found.protocol, declaration_sha256=found.declaration_sha256,
        beacon_round=found.beacon_round, beacon_signature=found.beacon_signature, cancel_reason=found.cancel_reason,
        holders=[HolderOut(position=h.position, role="administrator" if h.position == 1 else "observer",
                           commitment=h.commitment if found.published_at else "",
                           secret=h.secret if found.status == AllocationRound.Status.DRAWN else "")
                 for h in declared_rounds.holders_of(found)],
        files=[FileOut(name=f.name, sha256=f.sha256, url=base + f.name) for f in files.values()],
        reallocations=[ReallocationOut(at=r.at, released_entry_id=r.released.entry_id, because=r.because,
                                       promoted_entry_id=r.promoted.entry_id if r.promoted else None)
                       for r in rounds.reallocations_of(found)],
    )


def round_of(code: str, number: int) -> AllocationRound:
    try:
        return rounds.round_get(code, number)
    except AllocationRound.DoesNotExist as exc:
        raise Http404(f"No round {number} of {code}. GET /allocation/rounds lists them.") from exc


def administrator_of(request: HttpRequest) -> User:
    user = caller(request)
    if not is_administrator(user):
        raise Http404("Not found.")
    return user


def _scheme(code: str) -> Scheme:
    found = next((s for s in rounds.allocating_schemes() if s.code == code), None)
    if found is None:
        raise Http404(f"No scheme {code!r} with capped places.")
    return found


@router.get("/allocation/rounds", response=list[RoundOut], auth=None, summary="Every allocation round (public)")
def rounds_list(request: HttpRequest) -> list[RoundOut]:
    return [round_out(r) for s in rounds.allocating_schemes() for r in reversed(rounds.rounds_of(s))]


@router.get("/allocation/{code}/rounds/{number}", response={200: RoundOut, **ERRORS}, auth=None,
            summary="One round's manifest, digests and reallocations (public)")
def round_read(request: HttpRequest, code: str, number: RowId) -> RoundOut:
    return round_out(round_of(code, number))


@router.get("/allocation/{code}/rounds/{number}/files/{name}", auth=None, response=ERRORS,
            openapi_extra=file_download({"text/csv": CSV_FILE, "application/json": {
                "type": "object", "description": "The manifest: bordercase-ballot-v1, as docs/ballot.md publishes"}}),
            summary="A published file of the round: entries.csv, results.csv or manifest.json (public)")
def round_file(request: HttpRequest, code: str, number: RowId, name: str) -> HttpResponse:
    published = rounds.published_files(round_of(code, number)).get(name)
    if published is None:
        raise Http404(f"Round {number} of {code} has published no file {name!r}, or not yet.")
    response = HttpResponse(published.content, content_type=published.content_type)
    response["Content-Disposition"] = f'attachment; filename="{code}-round-{number}-{name}"'
    return response


@router.post("/allocation/{code}/rounds", response={200: RoundOut, **ERRORS},
             summary="As a scheme administrator, open the scheme's next round")
def round_open(request: HttpRequest, code: str) -> RoundOut:
    user = administrator_of(request)
    return round_out(allocation.round_open(scheme=_scheme(code), by=user))


@router.post("/allocation/{code}/rounds/{number}/freeze", response={200: RoundOut, **ERRORS},
             summary="As a scheme administrator, freeze the pool of eligible requests",
             description="If every entry fits the places and caps, all are allocated at once and the round's status "
             "is allocated.")
def round_freeze(request: HttpRequest, code: str, number: RowId) -> RoundOut:
    user = administrator_of(request)
    return round_out(allocation.round_freeze(round_=round_of(code, number), by=user))


@router.post("/allocation/{code}/rounds/{number}/publish", response={200: PublishedOut, **ERRORS},
             summary="As a scheme administrator, publish the entries (and for a ballot, commit to a secret)")
def round_publish(request: HttpRequest, response: HttpResponse, code: str, number: RowId, body: PublishIn
                  ) -> PublishedOut:
    user = administrator_of(request)
    response["Cache-Control"] = "no-store"  # the answer holds the secret, which nothing should keep
    found = round_of(code, number)
    if found.is_v2_ballot:
        if body.beacon_round is None:
            raise InvalidInput({"beacon_round": "Name the drand quicknet round the draw will mix in, due at least "
                                                "two minutes from now."})
        published = declared_rounds.declaration_publish(round_=found, by=user, beacon_round=body.beacon_round)
        return PublishedOut(round=round_out(published), secret="")
    v1 = allocation.round_publish(round_=found, by=user, declaration=body.public_value_declaration)
    return PublishedOut(round=round_out(v1.round), secret=v1.secret)


@router.post("/allocation/{code}/rounds/{number}/draw", response={200: RoundOut, **ERRORS},
             summary="As a scheme administrator, reveal the secret and the public value, and draw")
def round_draw(request: HttpRequest, code: str, number: RowId, body: DrawIn) -> RoundOut:
    user = administrator_of(request)
    found = round_of(code, number)
    if found.is_v2_ballot:
        return round_out(declared_rounds.round_draw_v2(round_=found, by=user, signature=body.signature))
    return round_out(allocation.round_draw(round_=found, by=user, secret=body.secret, public_value=body.public_value))
