"""The assessment clock: working days a request has waited for its assessor, in New Zealand.

Pure: no Django. A working day is a weekday that is not a New Zealand public holiday (national holidays, with
their Monday observances, from the ``holidays`` package; regional anniversary days are not counted, since one
assessing body serves every region). The clock counts the working days after the day of lodging up to and
including today, on New Zealand dates; a day does not count when it began with the request waiting for the
applicant (an information request open at the start of that day), so the applicant's time is never the
assessor's. The clock stops when the request is decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

NZ = ZoneInfo("Pacific/Auckland")


@lru_cache(maxsize=64)
def _holidays_in(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("NZ", years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays_in(day.year)


@dataclass(frozen=True)
class Pause:
    """A time the request waited for the applicant: from an information request until the answer (or now)."""

    since: dt.datetime
    until: dt.datetime | None = None


def nz_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(NZ).date()


def _days_after(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start + dt.timedelta(days=1)
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def _paused_on(day: dt.date, pauses: Iterable[Pause]) -> bool:
    # Paused at the start of ``day`` (its midnight in New Zealand) if a pause began before that day and had not
    # ended before it began.
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=NZ)
    return any(p.since < midnight and (p.until is None or p.until > midnight) for p in pauses)


def working_days_waited(lodged_at: dt.datetime, now: dt.datetime, pauses: Iterable[Pause] = ()) -> int:
    """Working days since lodging that the request spent with its assessor, up to ``now``."""
    pauses = tuple(pauses)
    return sum(1 for day in _days_after(nz_date(lodged_at), nz_date(now))
               if is_working_day(day) and not _paused_on(day, pauses))


_EPOCH_YEAR = 2000


@lru_cache(maxsize=256)
def _year_running_counts(year: int) -> tuple[int, ...]:
    # Working days from 1 January up to and including each day of the year, by the day's ordinal in the year.
    counts, total, day = [], 0, dt.date(year, 1, 1)
    while day.year == year:
        total += is_working_day(day)
        counts.append(total)
        day += dt.timedelta(days=1)
    return tuple(counts)


@lru_cache(maxsize=256)
def _working_days_before_year(year: int) -> int:
    if year >= _EPOCH_YEAR:
        return sum(_year_running_counts(y)[-1] for y in range(_EPOCH_YEAR, year))
    return -sum(_year_running_counts(y)[-1] for y in range(year, _EPOCH_YEAR))


def working_day_number(day: dt.date) -> int:
    """A count of working days up to and including ``day`` from a fixed start, so that the working days after
    ``a`` up to and including ``b`` are ``working_day_number(b) - working_day_number(a)``: the form in which a
    database can work out a clock with arithmetic alone."""
    return _working_days_before_year(day.year) + _year_running_counts(day.year)[day.timetuple().tm_yday - 1]


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The working day ``days`` working days after ``start`` (``start`` itself when ``days`` is 0)."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


@dataclass(frozen=True)
class Clock:
    """Where one request stands against its scheme's target."""

    waited: int  # working days with the assessor so far
    target: int  # the scheme's target, in working days
    paused: bool  # waiting for the applicant now
    stopped: bool  # decided: the clock no longer runs

    @property
    def overdue(self) -> bool:
        return not self.stopped and self.waited > self.target

    @property
    def remaining(self) -> int:
        return self.target - self.waited

    @property
    def summary(self) -> str:
        days = f"{self.waited} working day{'s' if self.waited != 1 else ''}"
        if self.stopped:
            return f"Decided after {days}"
        if self.paused:
            return f"{days}; paused while waiting for the applicant"
        if self.overdue:
            return f"{days}: overdue by {-self.remaining} (target {self.target})"
        return f"{days} of {self.target}"


def clock(*, lodged_at: dt.datetime, now: dt.datetime, pauses: Iterable[Pause], target: int,
          decided_at: dt.datetime | None = None) -> Clock:
    pauses = tuple(pauses)
    end = decided_at or now
    paused = decided_at is None and any(p.until is None for p in pauses)
    return Clock(working_days_waited(lodged_at, end, pauses), target, paused, decided_at is not None)


@dataclass(frozen=True)
class StoredClock:
    """The clock as a request keeps it, so that a database works out every request's clock with arithmetic.

    ``start`` is the working-day number (``working_day_number``) of the day of lodging, moved on by the working days
    already spent waiting for the applicant; ``stop`` is the number of the last day counted while the clock is not
    running (a pause began, or the request was decided), and None while it runs. It counts what ``clock`` counts.
    """

    start: int
    stop: int | None = None

    def waited(self, today: dt.date) -> int:
        return (self.stop if self.stop is not None else working_day_number(today)) - self.start

    def read(self, *, today: dt.date, target: int, paused: bool, stopped: bool) -> Clock:
        return Clock(self.waited(today), target, paused and not stopped, stopped)


def clock_lodged(at: dt.datetime) -> StoredClock:
    return StoredClock(working_day_number(nz_date(at)))


def clock_paused(stored: StoredClock, at: dt.datetime) -> StoredClock:
    # A day counts unless it began paused, so the day the pause began is the last one counted.
    return stored if stored.stop is not None else StoredClock(stored.start, working_day_number(nz_date(at)))


def clock_resumed(stored: StoredClock, at: dt.datetime) -> StoredClock:
    if stored.stop is None:
        return stored
    # The last day paused is the last that began before the answer came.
    last_paused = nz_date(at - dt.timedelta(microseconds=1))
    return StoredClock(stored.start + max(0, working_day_number(last_paused) - stored.stop))


def clock_stopped(stored: StoredClock, at: dt.datetime) -> StoredClock:
    # Decided while paused, the clock stays where the pause stopped it.
    return clock_paused(stored, at)
