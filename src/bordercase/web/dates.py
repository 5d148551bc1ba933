"""A date typed as day, month and year in three boxes (the GOV.UK date input): one rule for every page.

Empty boxes are no date; some boxes empty name the missing parts; otherwise the parts must make a real date in a
year from policy.bounds' earliest on (which also catches two-digit years). Each page words the message in its own
voice around ``must``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bordercase.policy import bounds

PARTS = ("day", "month", "year")


@dataclass(frozen=True)
class DateUnreadable(Exception):
    must: str  # completes "… must …": "include a day and a month", "be a real date, like 12 4 1988"
    parts: tuple[str, ...]  # the boxes to mark, of PARTS

    @property
    def enter(self) -> str:
        """The same as an instruction: "Enter a day and a month", "Enter a real date, like 12 4 1988"."""
        verb, _, rest = self.must.partition(" ")
        return {"include": "Enter", "be": "Enter", "have": "Enter"}[verb] + " " + rest


def date_typed(day: str, month: str, year: str) -> dt.date | None:
    """The date the three boxes hold, None when all are empty, or DateUnreadable saying what to correct."""
    typed = [str(p or "").strip() for p in (day, month, year)]
    if not any(typed):
        return None
    missing = [(name, f"a {name}") for name, text in zip(PARTS, typed, strict=True) if not text]
    if missing:
        raise DateUnreadable("include " + " and ".join(words for _, words in missing),
                             tuple(name for name, _ in missing))
    try:
        if not all(text.isdigit() for text in typed):
            raise ValueError("the boxes hold digits only")
        value = dt.date(int(typed[2]), int(typed[1]), int(typed[0]))
    except (ValueError, OverflowError):  # a year of twenty digits overflows before it is out of range
        raise DateUnreadable("be a real date, like 12 4 1988", PARTS) from None
    if value < bounds.EARLIEST_DATE:
        raise DateUnreadable(f"have a year from {bounds.EARLIEST_DATE.year} on, like 1988", ("year",))
    return value
