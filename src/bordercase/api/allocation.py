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
from bordercase.cases.services import allocation, rounds

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


class RoundOut(Schema):
    scheme: str
    number: int
    status: str = Field(description="open, frozen, published, drawn, or allocated (every entry fitted: no draw).")
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
    files: list[FileOut]
    reallocations: list[ReallocationOut]


class PublishIn(Schema):
    public_value_declaration: str = Field("", description="For a ballot: the future public value to be mixed in.")


class PublishedOut(Schema):
    round: RoundOut
    secret: str = Field(description="For a ballot, the secret in hexadecimal: returned this once and never stored. "
                                    "Keep it, and give it back to draw.")


class DrawIn(Schema):
    secret: str = Field("", description="For a ballot: the secret returned when the round was published.")
    public_value: str = Field("", description="For a ballot: the public value named in the declaration.")


def _round_out(found: AllocationRound) -> RoundOut:
    files = rounds.published_files(found)
    base = f"/allocation/{found.scheme.code}/{found.number}/"
    return RoundOut(
        scheme=found.scheme.code, number=found.number, status=found.status, method=found.method,
        algorithm=ALGORITHM, places=found.places, category_caps=found.category_caps,
        employer_cap=found.employer_cap, entries=rounds.entry_count(found),
        entries_sha256=found.entries_sha256 if "entries.csv" in files else "", commitment=found.commitment,
        public_value_declaration=found.public_value_declaration, public_value=found.public_value,
        secret=found.secret, seed=found.seed, results_sha256=found.results_sha256,
        results=rounds.result_counts(found),
        files=[FileOut(name=f.name, sha256=f.sha256, url=base + f.name) for f in files.values()],
        reallocations=[ReallocationOut(at=r.at, released_entry_id=r.released.entry_id, because=r.because,
                                       promoted_entry_id=r.promoted.entry_id if r.promoted else None)
                       for r in rounds.reallocations_of(found)],
    )


def _round(code: str, number: int) -> AllocationRound:
    try:
        return rounds.round_get(code, number)
    except AllocationRound.DoesNotExist as exc:
        raise Http404(f"No round {number} of {code}. GET /allocation/rounds lists them.") from exc


def _administrator(request: HttpRequest) -> User:
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
    return [_round_out(r) for s in rounds.allocating_schemes() for r in reversed(rounds.rounds_of(s))]


@router.get("/allocation/{code}/rounds/{number}", response={200: RoundOut, **ERRORS}, auth=None,
            summary="One round's manifest, digests and reallocations (public)")
def round_read(request: HttpRequest, code: str, number: RowId) -> RoundOut:
    return _round_out(_round(code, number))


@router.get("/allocation/{code}/rounds/{number}/files/{name}", auth=None, response=ERRORS,
            openapi_extra=file_download({"text/csv": CSV_FILE, "application/json": {
                "type": "object", "description": "The manifest: bordercase-ballot-v1, as docs/ballot.md publishes"}}),
            summary="A published file of the round: entries.csv, results.csv or manifest.json (public)")
def round_file(request: HttpRequest, code: str, number: RowId, name: str) -> HttpResponse:
    published = rounds.published_files(_round(code, number)).get(name)
    if published is None:
        raise Http404(f"Round {number} of {code} has published no file {name!r}, or not yet.")
    response = HttpResponse(published.content, content_type=published.content_type)
    response["Content-Disposition"] = f'attachment; filename="{code}-round-{number}-{name}"'
    return response


@router.post("/allocation/{code}/rounds", response={200: RoundOut, **ERRORS},
             summary="As a scheme administrator, open the scheme's next round")
def round_open(request: HttpRequest, code: str) -> RoundOut:
    user = _administrator(request)
    return _round_out(allocation.round_open(scheme=_scheme(code), by=user))


@router.post("/allocation/{code}/rounds/{number}/freeze", response={200: RoundOut, **ERRORS},
             summary="As a scheme administrator, freeze the pool of eligible requests",
             description="If every entry fits the places and caps, all are allocated at once and the round's status "
             "is allocated.")
def round_freeze(request: HttpRequest, code: str, number: RowId) -> RoundOut:
    user = _administrator(request)
    return _round_out(allocation.round_freeze(round_=_round(code, number), by=user))


@router.post("/allocation/{code}/rounds/{number}/publish", response={200: PublishedOut, **ERRORS},
             summary="As a scheme administrator, publish the entries (and for a ballot, commit to a secret)")
def round_publish(request: HttpRequest, response: HttpResponse, code: str, number: RowId, body: PublishIn
                  ) -> PublishedOut:
    user = _administrator(request)
    response["Cache-Control"] = "no-store"  # the answer holds the secret, which nothing should keep
    published = allocation.round_publish(round_=_round(code, number), by=user,
                                         declaration=body.public_value_declaration)
    return PublishedOut(round=_round_out(published.round), secret=published.secret)


@router.post("/allocation/{code}/rounds/{number}/draw", response={200: RoundOut, **ERRORS},
             summary="As a scheme administrator, reveal the secret and the public value, and draw")
def round_draw(request: HttpRequest, code: str, number: RowId, body: DrawIn) -> RoundOut:
    user = _administrator(request)
    drawn = allocation.round_draw(round_=_round(code, number), by=user, secret=body.secret,
                                  public_value=body.public_value)
    return _round_out(drawn)
