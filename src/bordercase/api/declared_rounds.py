"""API routes for a v2 ballot round's own steps: naming observers, each holder's commitment and secret, cancelling.

Publishing (with the beacon round) and drawing (with its signature) are the round routes of bordercase.api.allocation.
A holder who is not an administrator reaches only their own commitment and secret; anyone else gets a 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from bordercase.accounts.roles import is_administrator
from bordercase.api.allocation import RoundOut, administrator_of, round_of, round_out
from bordercase.api.auth import caller
from bordercase.api.requests import ERRORS
from bordercase.api.schemas import RowId
from bordercase.cases.models import AllocationRound
from bordercase.cases.services import declared_rounds
from bordercase.lib.errors import NotFound

router = Router(tags=["allocation"])


class ObserverIn(Schema):
    email: str = Field(max_length=254, description="The observer's staff account.")


class CommitmentIn(Schema):
    commitment: str = Field("", max_length=200, description="SHA-256 of a secret you keep, in hexadecimal; empty "
                                                              "for bordercase to make a secret and return it once.")


class CommitmentOut(Schema):
    position: int
    commitment: str
    secret: str = Field(description="The secret bordercase made, returned this once and never stored; empty when "
                                    "you gave your own commitment.")


class SecretIn(Schema):
    secret: str = Field(max_length=200, description="The secret whose commitment you gave, in hexadecimal.")


class CancelIn(Schema):
    reason: str = Field(max_length=1000, description="Why, for the round's public page.")


def _holding(request: HttpRequest, code: str, number: int) -> AllocationRound:
    found = round_of(code, number)
    user = caller(request)
    try:
        declared_rounds.holder_of(found, user)
    except NotFound as exc:
        if not is_administrator(user):
            raise Http404(f"No round {number} of {code} that you hold a secret for.") from exc
    return found


@router.post("/allocation/{code}/rounds/{number}/observers", response={200: RoundOut, **ERRORS},
             summary="As a scheme administrator, name a member of staff to hold a secret in a v2 round")
def observer_add(request: HttpRequest, code: str, number: RowId, body: ObserverIn) -> RoundOut:
    user = administrator_of(request)
    found = round_of(code, number)
    declared_rounds.observer_add_by_email(round_=found, email=body.email, by=user)
    return round_out(found)


@router.post("/allocation/{code}/rounds/{number}/commitment", response={200: CommitmentOut, **ERRORS},
             summary="As a holder of a v2 round's secret, commit to it before the round is published")
def commitment_enter(request: HttpRequest, response: HttpResponse, code: str, number: RowId, body: CommitmentIn
                     ) -> CommitmentOut:
    found = _holding(request, code, number)
    response["Cache-Control"] = "no-store"  # the answer may hold a secret, which nothing should keep
    committed = declared_rounds.commitment_enter(round_=found, by=caller(request), commitment=body.commitment)
    return CommitmentOut(position=committed.holder.position, commitment=committed.holder.commitment,
                         secret=committed.secret)


@router.post("/allocation/{code}/rounds/{number}/secret", response={200: RoundOut, **ERRORS},
             summary="As a holder of a v2 round's secret, reveal it once the round is published")
def secret_reveal(request: HttpRequest, code: str, number: RowId, body: SecretIn) -> RoundOut:
    found = _holding(request, code, number)
    declared_rounds.secret_reveal(round_=found, by=caller(request), secret=body.secret)
    return round_out(found)


@router.post("/allocation/{code}/rounds/{number}/cancel", response={200: RoundOut, **ERRORS},
             summary="As a scheme administrator, cancel a round before its draw, with a public reason")
def round_cancel(request: HttpRequest, code: str, number: RowId, body: CancelIn) -> RoundOut:
    user = administrator_of(request)
    return round_out(declared_rounds.round_cancel(round_=round_of(code, number), by=user, reason=body.reason))
