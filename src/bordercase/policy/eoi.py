"""The expression-of-interest categories: their criteria are not in the source documents."""

from __future__ import annotations

from bordercase.policy.criteria import NEEDS_REVIEW, Answers, CriterionFunction, Params, Result, criterion


def category_criterion(category: str) -> CriterionFunction:
    """The one criterion of an EOI category: no rule decides it, so it always needs an assessor's review."""
    reason = (f"The criteria for the {category} category are not in the source documents, so no rule decides it: "
              "an Immigration NZ assessor reads the explanation and evidence and decides.")

    @criterion()
    def assessor_review(answers: Answers, params: Params) -> Result:
        return Result(NEEDS_REVIEW, reason)

    return assessor_review
