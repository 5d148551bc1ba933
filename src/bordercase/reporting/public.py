"""What the public sees: the figures as at a date with small counts protected, as the page, downloads and API
share them."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.utils import timezone

from bordercase.policy import bounds
from bordercase.stats.disclosure import Disclosure


class BadDate(ValueError):
    """A date the reader asked for that cannot be used; the message says what to enter."""


def public_disclosure() -> Disclosure:
    key = hashlib.sha256(f"bordercase statistics rounding|{settings.SECRET_KEY}".encode()).digest()
    return Disclosure(settings.STATS_DISCLOSURE, settings.STATS_SUPPRESS_BELOW, key)


def as_at_from(text: str | None) -> dt.date:
    """The as-at date asked for, today in New Zealand when none; never a future date, whose figures would lie."""
    today = timezone.localdate()
    if not text:
        return today
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise BadDate("Enter the date as YYYY-MM-DD, such as 2020-06-10.") from exc
    if day > today:
        raise BadDate(f"The date is in the future: enter {today:%Y-%m-%d} or earlier.")
    if day < bounds.EARLIEST_DATE:
        raise BadDate(f"The date is before {bounds.EARLIEST_DATE.year}, long before any record: enter a later one, "
                      "such as 2020-06-10.")
    return day
