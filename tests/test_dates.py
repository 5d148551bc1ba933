"""The one rule for a date typed in three boxes, on every page that asks for one."""

from __future__ import annotations

import datetime as dt

import pytest

from bordercase.web.dates import DateUnreadable, date_typed


def test_three_empty_boxes_are_no_date_and_a_real_date_is_read() -> None:
    assert date_typed("", " ", "") is None
    assert date_typed(" 5", "06", "2016") == dt.date(2016, 6, 5)


@pytest.mark.parametrize(("day", "month", "year", "must", "parts"), [
    ("", "2", "", "include a day and a year", ("day", "year")),
    ("12", "", "1988", "include a month", ("month",)),
    ("31", "2", "2022", "be a real date, like 12 4 1988", ("day", "month", "year")),
    ("1st", "4", "1988", "be a real date, like 12 4 1988", ("day", "month", "year")),
    ("-1", "4", "1988", "be a real date, like 12 4 1988", ("day", "month", "year")),
    ("12", "4", "88", "have a year from 1900 on, like 1988", ("year",)),
    ("12", "4", "99999999999999999999", "be a real date, like 12 4 1988", ("day", "month", "year")),
])
def test_a_date_that_cannot_be_read_says_what_to_correct_and_where(
    day: str, month: str, year: str, must: str, parts: tuple[str, ...]
) -> None:
    with pytest.raises(DateUnreadable) as raised:
        date_typed(day, month, year)
    assert (raised.value.must, raised.value.parts) == (must, parts)
    assert raised.value.enter == "Enter " + must.split(" ", 1)[1]
