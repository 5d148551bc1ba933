"""The occupations routes of the API (issue 19): a job title coded to ANZSCO 2013, for anyone (no token).

The same coder the rules use (``policy.anzsco``): every candidate occupation and how the title reached it, so an
employer can see before lodging what the rules will read their title as. Rate-limited per address like every
public route.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from bordercase.lib.errors import InvalidInput
from bordercase.policy.anzsco import TITLE_MAX_LENGTH, anzsco, title_problem

router = Router(tags=["occupations"])


class TitleQuery(Schema):
    # A generous cap here so that a title a little too long is refused by title_problem, in words, not by ninja.
    title: str = Field(max_length=TITLE_MAX_LENGTH * 50, description="The job title as the employment agreement "
                                                                     f"gives it, up to {TITLE_MAX_LENGTH} characters")


class SourceOut(Schema):
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
    sources: list[SourceOut] = Field(description="The table's sources; empty for ANZSCO's own titles")


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
