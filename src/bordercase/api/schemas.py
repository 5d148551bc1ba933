from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class NomineeIn(Schema):
    given_names: str = Field(..., min_length=1, max_length=200)
    family_name: str = Field(..., min_length=1, max_length=200)
    date_of_birth: date
    nationality: str = Field(..., description="ISO 3166 three-letter code, as on the passport", examples=["GBR"])
    passport_number: str = Field(..., max_length=20)
    email: str = Field(..., max_length=254)


class RequestCreateIn(Schema):
    scheme: str = Field(..., description="The scheme's code, such as tech-specialists-2022")
    organisation_nzbn: str | None = Field(None, description="The employer's NZBN; leave out when applying for yourself")
    assessing_body: str | None = Field(None, description="Code of the assessing body, where the scheme has several")
    nominee: NomineeIn | None = None
    answers: dict[str, Any] = Field(default_factory=dict)


class RequestUpdateIn(Schema):
    answers: dict[str, Any] | None = Field(None, description="Merged into the saved answers; null removes one")
    nominee: NomineeIn | None = None
    assessing_body: str | None = Field(None, description="Code of the assessing body; null clears the choice")


class TransitionIn(Schema):
    reason: str = Field("", max_length=10_000)


class NomineeOut(Schema):
    given_names: str
    family_name: str
    date_of_birth: date
    nationality: str


class CriterionOut(Schema):
    id: str
    outcome: str = Field(description="met, not_met or needs_review")
    reason: str
    clause: str
    mandatory: bool


class EvaluationOut(Schema):
    outcome: str = Field(description="eligible, ineligible or needs_review: the rules' pre-assessment, not a decision")
    policy_version: str = Field(description="Content hash of the scheme's policy folder that produced it")
    as_at: date
    criteria: list[CriterionOut]
    created_at: datetime


class RequestOut(Schema):
    reference: str
    scheme: str
    status: str
    status_label: str
    organisation: str | None
    assessing_body: str | None
    nominee: NomineeOut | None
    answers: dict[str, Any]
    created_at: datetime
    lodged_at: datetime | None
    status_changed_at: datetime | None
    transitions_available: list[str]
    evaluation: EvaluationOut | None = Field(None, description="The latest evaluation by the scheme's rules")


class EventOut(Schema):
    position: int
    at: datetime
    actor: str
    transition: str
    from_state: str
    to_state: str
    reason: str
    prev_hash: str
    hash: str


class ErrorOut(Schema):
    message: str
    fields: dict[str, str] = Field(default_factory=dict)
