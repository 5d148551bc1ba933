"""What a request to travel must satisfy: dates that fit together, passports valid for the journey, children
within the scheme's age limit, and a managed-isolation stay of the required length. Pure.

Each problem is keyed by the field it is about and says what to change, so a page can show it beside the field
and an API answer can name it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

# Flights to New Zealand cross the date line: a traveller leaving on the travel date may arrive, and start
# isolation, up to two calendar days later.
ARRIVAL_DAYS = 2


@dataclass(frozen=True)
class Traveller:
    """Someone on the request to travel: the worker, their partner, or a child. ``field`` prefixes their errors."""

    field: str  # "worker", "partner", "children.1", …
    name: str
    relationship: str  # worker, partner or child
    date_of_birth: dt.date
    passport_expiry: dt.date


@dataclass(frozen=True)
class Journey:
    travel_date: dt.date
    isolation_from: dt.date
    isolation_to: dt.date


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def journey_problems(journey: Journey, *, isolation_days: int, today: dt.date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if journey.travel_date < today:
        problems["travel_date"] = "The travel date is in the past: enter the date you will leave."
    if journey.isolation_to != journey.isolation_from + dt.timedelta(days=isolation_days):
        stay = (journey.isolation_to - journey.isolation_from).days
        problems["isolation_to"] = (f"The managed-isolation stay is {stay} day{'s' if stay != 1 else ''}; it must be "
                                    f"{isolation_days}: check the dates on your voucher.")
    if journey.travel_date > journey.isolation_from:
        problems["travel_date"] = ("The travel date is after your managed-isolation booking starts: change the "
                                   "travel date, or the booking, so that you arrive when it begins.")
    elif journey.isolation_from > journey.travel_date + dt.timedelta(days=ARRIVAL_DAYS):
        problems["travel_date"] = (f"The travel date is more than {ARRIVAL_DAYS} days before your managed-isolation "
                                   "booking starts, so you would arrive with nowhere to isolate: change the travel "
                                   "date or the booking.")
    return problems


def traveller_problems(travellers: Sequence[Traveller], travel_date: dt.date, *, child_max_age: int,
                       child_age_source: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    for t in travellers:
        if t.passport_expiry <= travel_date:
            problems[f"{t.field}.passport_expiry"] = (
                f"{t.name}'s passport expires on {t.passport_expiry:%-d %B %Y}, before the travel date: renew it, "
                "then enter the new passport.")
        if t.relationship == "child" and age_on(t.date_of_birth, travel_date) > child_max_age:
            problems[f"{t.field}.date_of_birth"] = (
                f"{t.name} will be {age_on(t.date_of_birth, travel_date)} on the travel date: a dependent child is "
                f"{child_max_age} or younger ({child_age_source}). Remove them from this request; they can ask for "
                "an exception of their own.")
        if t.date_of_birth > travel_date:
            problems[f"{t.field}.date_of_birth"] = f"{t.name}'s date of birth is after the travel date: check it."
    return problems
