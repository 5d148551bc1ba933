from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Path, Schema

# Row ids in paths: beyond a 64-bit integer nothing can be found, and a database refuses even to look.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
# How far into a list a page may start: far past any real list, well inside what a database can count to.
MAX_OFFSET = 1_000_000_000


class NomineeIn(Schema):
    given_names: str = Field(..., min_length=1, max_length=200)
    family_name: str = Field(..., min_length=1, max_length=200)
    date_of_birth: date
    nationality: str = Field(..., description="ISO 3166 three-letter code, as on the passport", examples=["GBR"])
    passport_number: str = Field(..., max_length=20)
    email: str = Field(..., max_length=254)


class RequestCreateIn(Schema):
    scheme: str = Field(..., max_length=60, description="The scheme's code, such as tech-specialists-2022")
    organisation_nzbn: str | None = Field(None, max_length=13,
                                          description="The employer's NZBN; leave out when applying for yourself")
    assessing_body: str | None = Field(None, max_length=40,
                                       description="Code of the assessing body, where the scheme has several")
    nominee: NomineeIn | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    lodge: bool = Field(False, description="true lodges the request at once, as POST …/transitions/lodge would: it "
                                           "needs the nominee, the assessing body and every answer")


class RequestUpdateIn(Schema):
    answers: dict[str, Any] | None = Field(None, description="Merged into the saved answers; null removes one")
    nominee: NomineeIn | None = None
    assessing_body: str | None = Field(None, max_length=40,
                                       description="Code of the assessing body; null clears the choice")


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
    redacted: bool = Field(False, description="Its actor and reason were removed under the retention schedule "
                                              "(each then reads so); the event still verifies.")
    # What re-computing the hash needs (bordercase.cases.chain): version 1 hashes actor and reason as text;
    # version 2 the account, and salted digests of the text (the salt is gone once redacted).
    version: int = Field(1, description="1: the hash covers actor and reason; 2: it covers actor_id and the digests")
    actor_id: int | None = None
    salt: str = ""
    actor_digest: str = ""
    reason_digest: str = ""


class ErrorOut(Schema):
    message: str
    fields: dict[str, str] = Field(default_factory=dict)


def file_download(content: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The OpenAPI of a route that answers a file: each media type it can send with the schema of its content."""
    return {"responses": {"200": {
        "description": "The file, as an attachment (Content-Disposition) with its exact bytes",
        "content": {media_type: {"schema": schema} for media_type, schema in content.items()},
    }}}


CSV_FILE = {"type": "string", "description": "CSV (RFC 4180) with a header row, UTF-8"}
