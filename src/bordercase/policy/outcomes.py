"""What an evaluation returns: one finding per criterion, and the scheme's outcome built from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, NamedTuple


class Finding(StrEnum):
    """A criterion's outcome."""

    MET = "met"
    NOT_MET = "not_met"
    NEEDS_REVIEW = "needs_review"


class Outcome(StrEnum):
    """A scheme's outcome for one request."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_REVIEW = "needs_review"


MET, NOT_MET, NEEDS_REVIEW = Finding.MET, Finding.NOT_MET, Finding.NEEDS_REVIEW


class Result(NamedTuple):
    """What a criterion function returns: the finding and a reason a person can read."""

    finding: Finding
    reason: str


class CriterionResult(NamedTuple):
    id: str
    outcome: Finding
    reason: str
    clause: str
    mandatory: bool

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "outcome": self.outcome.value, "reason": self.reason, "clause": self.clause,
                "mandatory": self.mandatory}


class Evaluation(NamedTuple):
    """A scheme's rules applied to one set of answers, as at one date, by one version of the policy."""

    scheme: str
    outcome: Outcome
    criteria: tuple[CriterionResult, ...]
    policy_version: str
    as_at: dt.date

    @property
    def reasons(self) -> list[str]:
        """The reasons that decide the outcome: every unmet mandatory criterion, or every one needing review."""
        decisive = NOT_MET if self.outcome is Outcome.INELIGIBLE else NEEDS_REVIEW
        if self.outcome is Outcome.ELIGIBLE:
            return [c.reason for c in self.criteria if c.mandatory]
        return [c.reason for c in self.criteria if c.mandatory and c.outcome is decisive]

    def as_json(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "outcome": self.outcome.value,
            "criteria": [c.as_json() for c in self.criteria],
            "policy_version": self.policy_version,
            "as_at": self.as_at.isoformat(),
        }


def combine(results: Sequence[CriterionResult]) -> Outcome:
    """Eligible when every mandatory criterion is met; ineligible when any is not met; otherwise needs review."""
    review = False
    for result in results:
        if result.mandatory:
            if result.outcome is NOT_MET:
                return Outcome.INELIGIBLE
            if result.outcome is NEEDS_REVIEW:
                review = True
    return Outcome.NEEDS_REVIEW if review else Outcome.ELIGIBLE
