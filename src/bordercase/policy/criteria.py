"""What a scheme's ``criteria.py`` uses: the decorator that declares a criterion, and the wording helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from bordercase.policy.outcomes import MET, NEEDS_REVIEW, NOT_MET, Finding, Result

Answers = Mapping[str, Any]
Params = Mapping[str, Any]
CriterionFunction = Callable[[Answers, Params], Result]

__all__ = [
    "MET", "NEEDS_REVIEW", "NOT_MET", "Answers", "CriterionFunction", "Finding", "Params", "Result", "criterion", "day",
    "money",
]


def criterion(*, reads: tuple[str, ...] = ()) -> Callable[[CriterionFunction], CriterionFunction]:
    """Mark a function as a criterion that reads these parameters (and only these: others are not passed in)."""

    def mark(function: CriterionFunction) -> CriterionFunction:
        function.reads = tuple(reads)  # type: ignore[attr-defined]
        return function

    return mark


def money(amount: Decimal | int | float, per: str = "") -> str:
    """NZ$120,000 or NZ$51.00 an hour: cents only when there are any, or when the amount is hourly."""
    text = f"{amount:,.2f}"
    if per == "hour":
        return f"NZ${text} an hour"
    return "NZ$" + (text[:-3] if text.endswith(".00") else text)


def day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"
