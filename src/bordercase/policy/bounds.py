"""How large a figure and how far away a date any answer may be, wherever it comes from (pages, API, imports).

A question in a policy can set narrower limits of its own; these are the outer bounds that hold when it does not,
so that a salary of 10^400 or a birth in year 1 is refused as a mistake instead of being assessed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

# No amount any of these schemes asks about (salaries, fees, investments) comes near NZ$100 million.
MONEY_MAXIMUM = Decimal(100_000_000)
# Counts and durations: far beyond any real answer, still small enough to store and compare exactly.
NUMBER_MAXIMUM = Decimal(1_000_000_000_000)
# Digits a person could mean: "100000000.00" with separators fits with room to spare.
NUMBER_TEXT_MAX_LENGTH = 32
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
# The oldest person documented lived to 122: anyone recorded as older has a wrong year.
OLDEST_AGE = 125


def default_maximum(question_type: str) -> Decimal:
    return MONEY_MAXIMUM if question_type == "money" else NUMBER_MAXIMUM


def date_problem(value: dt.date) -> tuple[str, str] | None:
    """(rule, message) when a date lies outside the years any answer can be about."""
    if value < EARLIEST_DATE:
        return "date_range", f"is {value.isoformat()}, before {EARLIEST_DATE.year}: check the year"
    if value > LATEST_DATE:
        return "date_range", f"is {value.isoformat()}, after {LATEST_DATE.year}: check the year"
    return None


# What a date of birth must be, by the rule it breaks: "date of birth " + the phrase reads as a sentence, to which
# each caller adds who it is about and what to do.
DATE_OF_BIRTH_RULES = {
    "born_in_past": "must be in the past",
    "born_within_lifetime": f"must be within the last {OLDEST_AGE} years",
}


def date_of_birth_problem(born: dt.date, today: dt.date) -> tuple[str, str] | None:
    """(rule, phrase from DATE_OF_BIRTH_RULES) when a date of birth cannot be a living person's."""
    if born >= today:
        rule = "born_in_past"
    else:
        try:
            oldest = today.replace(year=today.year - OLDEST_AGE)
        except ValueError:  # 29 February, in a year without one
            oldest = today.replace(year=today.year - OLDEST_AGE, day=28)
        if born >= oldest:
            return None
        rule = "born_within_lifetime"
    return rule, DATE_OF_BIRTH_RULES[rule]
