"""The assessment clock: working days across weekends, New Zealand public holidays and information requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import import_module

import pytest
import time_machine
from django.apps import apps as django_apps
from hypothesis import given
from hypothesis import strategies as st

from bordercase.cases.assessment import clock_after
from bordercase.cases.models import Request
from bordercase.cases.services.assessment import information_provide, information_request, request_claim
from bordercase.cases.services.queue import clock_of
from bordercase.workdays import (
    NZ,
    Pause,
    add_working_days,
    clock,
    is_working_day,
    nz_date,
    working_day_number,
    working_days_waited,
)
from tests.conftest import World, window_around
from tests.walking import walk


def nz(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=NZ)


def test_weekends_do_not_count() -> None:
    friday = nz(2022, 3, 4)
    assert working_days_waited(friday, nz(2022, 3, 6, 18)) == 0  # Saturday and Sunday
    assert working_days_waited(friday, nz(2022, 3, 7)) == 1  # Monday
    assert working_days_waited(friday, nz(2022, 3, 11)) == 5


def test_the_day_of_lodging_does_not_count_and_today_does() -> None:
    monday = nz(2022, 3, 7, 9)
    assert working_days_waited(monday, nz(2022, 3, 7, 17)) == 0
    assert working_days_waited(monday, nz(2022, 3, 8, 0, 1)) == 1


@pytest.mark.parametrize(("holiday", "name"), [
    (dt.date(2022, 2, 7), "Waitangi Day, observed on the Monday"),
    (dt.date(2022, 4, 15), "Good Friday"),
    (dt.date(2022, 4, 18), "Easter Monday"),
    (dt.date(2022, 4, 25), "Anzac Day"),
    (dt.date(2022, 6, 24), "Matariki, first observed in 2022"),
    (dt.date(2022, 9, 26), "Queen Elizabeth II Memorial Day, once only"),
    (dt.date(2022, 12, 27), "Christmas Day, observed on the Tuesday"),
    (dt.date(2023, 1, 3), "New Year's Day, observed on the Tuesday"),
])
def test_new_zealand_public_holidays_are_not_working_days(holiday: dt.date, name: str) -> None:
    assert holiday.weekday() < 5, name
    assert not is_working_day(holiday), name


def test_easter_2022_takes_two_working_days_out_of_the_week() -> None:
    # Lodged Thursday 14 April 2022; Good Friday and Easter Monday are holidays, Anzac Day the Monday after.
    lodged = nz(2022, 4, 14)
    assert working_days_waited(lodged, nz(2022, 4, 19)) == 1  # Tuesday 19 only
    assert working_days_waited(lodged, nz(2022, 4, 26)) == 5  # 19-22 and 26: Anzac Day 25 does not count
    assert add_working_days(dt.date(2022, 4, 14), 3) == dt.date(2022, 4, 21)


def test_days_waiting_for_the_applicant_do_not_count() -> None:
    lodged = nz(2022, 3, 7)  # Monday
    pause = Pause(nz(2022, 3, 8, 11), nz(2022, 3, 10, 15))  # asked Tuesday, answered Thursday
    # Tuesday counts (it began with the assessor), Wednesday and Thursday began waiting, Friday counts.
    assert working_days_waited(lodged, nz(2022, 3, 11), [pause]) == 2
    assert working_days_waited(lodged, nz(2022, 3, 11), []) == 4


def test_an_open_information_request_pauses_the_clock_until_answered() -> None:
    lodged = nz(2022, 3, 7)
    waiting = clock(lodged_at=lodged, now=nz(2022, 3, 25), pauses=[Pause(nz(2022, 3, 8, 11))], target=3)
    assert waiting.waited == 1 and waiting.paused and not waiting.overdue
    assert "paused" in waiting.summary


def test_a_request_is_overdue_after_its_target_and_a_decision_stops_the_clock() -> None:
    lodged = nz(2022, 3, 7)
    running = clock(lodged_at=lodged, now=nz(2022, 3, 11), pauses=[], target=3)
    assert running.waited == 4 and running.overdue and "overdue by 1" in running.summary
    on_time = clock(lodged_at=lodged, now=nz(2022, 3, 10), pauses=[], target=3)
    assert on_time.waited == 3 and not on_time.overdue
    decided = clock(lodged_at=lodged, now=nz(2022, 4, 29), pauses=[], target=3, decided_at=nz(2022, 3, 9))
    assert decided.waited == 2 and decided.stopped and not decided.overdue


def test_new_zealand_dates_decide_the_day_not_utc() -> None:
    # Lodged at 11:30 pm on Sunday in Auckland; at 8 am on Monday there it is still Sunday in UTC. Monday has
    # begun in New Zealand, so one working day has begun.
    late_sunday = nz(2022, 3, 6, 23, 30).astimezone(dt.UTC)
    monday_morning = nz(2022, 3, 7, 8).astimezone(dt.UTC)
    assert late_sunday.date() == monday_morning.date() == dt.date(2022, 3, 6)
    assert working_days_waited(late_sunday, monday_morning) == 1


@given(start=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)), days=st.integers(0, 60))
def test_adding_working_days_and_counting_them_agree(start: dt.date, days: int) -> None:
    end = add_working_days(start, days)
    assert working_days_waited(dt.datetime.combine(start, dt.time(12), tzinfo=NZ),
                               dt.datetime.combine(end, dt.time(12), tzinfo=NZ)) == days
    assert days == 0 or is_working_day(end)


def test_the_stored_clock_pauses_for_an_information_request_and_resumes_on_the_answer(
    world: World, make_request: Callable[..., Request]
) -> None:
    # A tech nomination (target: 10 working days) lodged on Thursday 3 March 2022.
    with time_machine.travel(nz(2022, 3, 3, 9), tick=False) as traveller:
        window_around("tech-specialists-2022", nz(2022, 3, 3, 9))
        request = walk(make_request(), [("lodge", world.employer_a)])
        traveller.move_to(nz(2022, 3, 4, 10))  # Friday
        request_claim(request=request, by=world.assessor_nztech)
        information_request(request=request, by=world.assessor_nztech, text="Send the signed agreement.")
        traveller.move_to(nz(2022, 3, 10, 16))  # the next Thursday
        waiting = clock_of(Request.objects.get(pk=request.pk))
        assert waiting is not None and waiting.paused and waiting.waited == 1  # Friday only
        information_provide(request=request, by=world.employer_a, text="Attached.")
        traveller.move_to(nz(2022, 3, 21, 9))  # Monday, a week and a half later
        resumed = clock_of(Request.objects.get(pk=request.pk))
    assert resumed is not None and not resumed.paused
    # Friday 4, then Friday 11 and 14-18 and Monday 21 (Mon 7 - Thu 10 began waiting): 1 + 1 + 5 + 1.
    assert resumed.waited == 8 and resumed.target == 10 and not resumed.overdue
    # What the transitions kept is what replaying the history gives, as the migration that added the clock does.
    kept = Request.objects.filter(pk=request.pk)
    before = kept.values("clock_start", "clock_stop", "clock_target").get()
    kept.update(clock_start=None, clock_stop=None, clock_target=None)
    import_module("bordercase.cases.migrations.0011_assessment_clock").clocks_from_history(django_apps, None)
    assert kept.values("clock_start", "clock_stop", "clock_target").get() == before


@given(first=st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)), span=st.integers(0, 900))
def test_working_day_numbers_differ_by_the_working_days_between(first: dt.date, span: int) -> None:
    last = first + dt.timedelta(days=span)
    assert working_day_number(last) - working_day_number(first) == working_days_waited(
        dt.datetime.combine(first, dt.time(12), tzinfo=NZ), dt.datetime.combine(last, dt.time(12), tzinfo=NZ))


# Gaps between one event and the next, in minutes: from a moment to several weeks, midnight itself included.
_gaps = st.lists(st.one_of(st.integers(1, 60 * 24 * 40), st.sampled_from([60 * 24, 60 * 24 * 7])), min_size=1,
                 max_size=7)


@given(lodged=st.datetimes(dt.datetime(2021, 1, 1), dt.datetime(2023, 12, 31), timezones=st.just(NZ)),
       gaps=_gaps, decided=st.sampled_from(["", "decline", "find_eligible", "withdraw", "lapse"]))
def test_the_stored_clock_counts_what_the_clock_counts(lodged: dt.datetime, gaps: list[int], decided: str) -> None:
    # The stored clock is kept by each transition as it is made; the clock is worked out from the whole history.
    # Pauses and answers alternate, a decision (if any) ends the history, and "now" is the last moment.
    stored = clock_after("lodge", lodged, None)
    moment, pauses, decided_at = lodged, [], None
    names = ["request_information", "provide_information"] * len(gaps)
    for gap, name in zip(gaps[:-1], names, strict=False):
        moment += dt.timedelta(minutes=gap)
        stored = clock_after(name, moment, stored)
        if name == "request_information":
            pauses.append(Pause(moment))
        else:
            pauses[-1] = Pause(pauses[-1].since, moment)
    now = moment + dt.timedelta(minutes=gaps[-1])
    if decided:
        decided_at = now
        stored = clock_after(decided, now, stored)
        now += dt.timedelta(days=30)
    assert stored is not None
    expected = clock(lodged_at=lodged, now=now, pauses=pauses, target=5, decided_at=decided_at)
    paused = bool(pauses) and pauses[-1].until is None
    assert stored.read(today=nz_date(now), target=5, paused=paused, stopped=bool(decided)) == expected


def test_an_answer_at_midnight_leaves_the_day_it_begins_with_the_assessor() -> None:
    # Lodged Monday 7 March 2022, information asked for on Tuesday, answered as Thursday began.
    lodged, asked, answered = nz(2022, 3, 7), nz(2022, 3, 8, 15), nz(2022, 3, 10, 0)
    stored = clock_after("provide_information", answered,
                         clock_after("request_information", asked, clock_after("lodge", lodged, None)))
    expected = clock(lodged_at=lodged, now=nz(2022, 3, 11), pauses=[Pause(asked, answered)], target=5)
    assert stored is not None and expected.waited == 3  # Tuesday, Thursday and Friday: Wednesday began waiting
    assert stored.read(today=dt.date(2022, 3, 11), target=5, paused=False, stopped=False) == expected
