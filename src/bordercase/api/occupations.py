"""The occupations routes of the API (issue 19): a job title coded to ANZSCO 2013, for anyone (no token); and a
request's occupation as its assessor records it, for an assessing body's own systems.

The same coder the rules use (``policy.anzsco``): every candidate occupation and how the title reached it, so an
employer can see before lodging what the rules will read their title as. Rate-limited per address like every
public route.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from bordercase.accounts.models import User
from bordercase.api.auth import caller
from bordercase.api.requests import ERRORS
from bordercase.cases import access
from bordercase.cases.access import request_get
from bordercase.cases.lifecycle import Party
from bordercase.cases.models import Request
from bordercase.cases.services import assessment
from bordercase.cases.services.occupations import NOTE_MAX_LENGTH, occupation_of
from bordercase.lib.errors import InvalidInput
from bordercase.policy.anzsco import TITLE_MAX_LENGTH, anzsco, title_problem

router = Router(tags=["occupations"])


class TitleQuery(Schema):
    # A cap above title_problem's, so that a title a little too long is refused by it, in words; and low enough that
    # the address stays within a server's limit on a request's first line (4,094 bytes in gunicorn) even when every
    # character is four bytes of UTF-8, each written %XX.
    title: str = Field(max_length=TITLE_MAX_LENGTH + 100, description="The job title as the employment agreement "
                                                                     f"gives it, up to {TITLE_MAX_LENGTH} characters")


class TitleSourceOut(Schema):
    id: str
    title: str
    url: str


class CandidateOut(Schema):
    code: str = Field(description="The ANZSCO 2013 occupation code (6 digits)")
    title: str
    unit_group: str
    unit_group_title: str
    skill_level: int
    matched_by: str = Field(description="principal (ANZSCO's title), alternative (ANZSCO's alternative title or "
                                        "specialisation), table (bordercase's current ICT titles) or fuzzy")
    matched_how: str = Field(description="matched_by in words")
    matched_title: str = Field(description="The title as ANZSCO or the table writes it")
    score: float | None = Field(description="A close match's similarity, 0 to 100; null for the others")
    reasoning: str = Field(description="The table's reasoning; empty for ANZSCO's own titles")
    sources: list[TitleSourceOut] = Field(description="The table's sources; empty for ANZSCO's own titles")


class CodingOut(Schema):
    title: str
    match: str = Field(description="principal, alternative, table, fuzzy, ambiguous (several candidates: a person "
                                   "chooses) or none")
    occupation: str | None = Field(description="The occupation when exactly one candidate was found")
    candidates: list[CandidateOut]


@router.get("/occupations", auth=None, response=CodingOut,
            summary="The ANZSCO 2013 occupations a job title could be, and how each matched",
            description="ANZSCO's principal and alternative titles come first, then bordercase's maintained table "
            "of current ICT titles (each with its sources and reasoning), then close matches with their score. "
            "More than one candidate means the title is ambiguous and an assessor chooses the occupation.")
def occupations_for_title(request: HttpRequest, query: Query[TitleQuery]) -> dict[str, Any]:
    problem = title_problem(query.title)
    if problem is not None:
        raise InvalidInput({"title": f"{problem}."})
    return anzsco().code_title(" ".join(query.title.split())).as_json()


class OccupationIn(Schema):
    code: str = Field(max_length=20, description="The 6-digit ANZSCO 2013 occupation the assessor found")
    note: str = Field(max_length=NOTE_MAX_LENGTH,
                      description="Why the role is this occupation: its duties, the evidence")


class RequestOccupationOut(Schema):
    reference: str
    occupation: str | None = Field(description="The occupation the rules read; null while nobody has settled it")
    described: str | None
    found_by: str | None = Field(description="assessor, answer (the ANZSCO code given) or title (the job title)")
    note: str
    pre_assessment: str | None = Field(description="The rules' outcome with this occupation")


def _assessed(request: HttpRequest, reference: str) -> tuple[User, Request]:
    user = caller(request)
    found = request_get(user, reference)
    if Party.ASSESSOR not in access.parties(user, found):
        raise Http404(f"No request {found.reference} that you can see. Check the reference.")
    return user, found


def _occupation_out(found: Request) -> RequestOccupationOut:
    occupation = occupation_of(found)
    latest = found.evaluations.order_by("-created_at", "-pk").first()
    return RequestOccupationOut(
        reference=found.reference, occupation=occupation.code if occupation else None,
        described=occupation.described if occupation else None,
        found_by=occupation.found.name.lower() if occupation else None, note=occupation.note if occupation else "",
        pre_assessment=latest.outcome if latest else None)


@router.get("/requests/{reference}/assessment/occupation", response={200: RequestOccupationOut, **ERRORS},
            summary="The request's occupation as the rules read it, and how it was found")
def occupation_read(request: HttpRequest, reference: str) -> RequestOccupationOut:
    _, found = _assessed(request, reference)
    return _occupation_out(found)


@router.put("/requests/{reference}/assessment/occupation", response={200: RequestOccupationOut, **ERRORS},
            summary="Record the occupation the assessor found, with a note; the rules read it over the title")
def occupation_put(request: HttpRequest, reference: str, body: OccupationIn) -> RequestOccupationOut:
    user, found = _assessed(request, reference)
    assessment.occupation_record(request=found, by=user, code=body.code, note=body.note)
    return _occupation_out(found)
