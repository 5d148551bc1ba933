"""One rule of who holds a place: after any sequence of steps following a draw, the official statistics count
exactly the places the allocation says are held, never more than the scheme has, today and as at every day since."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bordercase.cases.allocation import HOLDS_PLACE
from bordercase.cases.lifecycle import LifecycleError
from bordercase.cases.models import Request
from bordercase.cases.services.transitions import request_transition
from bordercase.lib.errors import Refused
from bordercase.reporting.figures import _places
from tests.allocation_support import TECH, allocated_round, drawn_round, eligible
from tests.conftest import World, set_places
from tests.walking import walk, worker_account

# Steps after the draw, with who takes them. Each is tried on a request chosen by the test; a step its state does
# not allow is refused by the lifecycle and changes nothing, which is itself part of what is checked.
# They are named to the primitive, request_transition, on purpose: this is a property of the primitive itself (any
# move that gives up a place passes it down the waitlist in the same transaction, so the figures never count more
# than are held), tried over arbitrary sequences, refused steps included; the owning actions all move through it.
STEPS = {
    "withdraw": "employer_a", "recommend": "assessor_nztech", "invite": "inz_officer", "lapse": "inz_officer",
    "request_travel": "employer_a", "grant_visa": "inz_officer", "decline_visa": "inz_officer",
}
# What a step needs before it, so that a random sequence reaches the late steps often: a visa is decided only after
# a recommendation, an invitation and a request to travel.
BEFORE = {"invite": ["recommend"], "lapse": ["recommend", "invite"], "request_travel": ["recommend", "invite"],
          "grant_visa": ["recommend", "invite", "request_travel"],
          "decline_visa": ["recommend", "invite", "request_travel"]}


def held_by_allocation() -> int:
    return Request.objects.filter(scheme__code=TECH, status__in=[s.value for s in HOLDS_PLACE]).count()


def held_in_statistics(day: dt.date) -> tuple[int, int]:
    tech = next(p for p in _places(day) if p.scheme == TECH)
    return tech.allocated, tech.cap


class Rollback(Exception):
    """Undoes one example's requests, so the next starts from the same world."""


@pytest.mark.django_db(transaction=False)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(places=st.integers(1, 3), entries=st.integers(1, 6),
       steps=st.lists(st.tuples(st.sampled_from(sorted(STEPS)), st.integers(0, 5)), max_size=25))
def test_the_statistics_never_hold_more_places_than_the_allocation(
    world: World, places: int, entries: int, steps: list[tuple[str, int]]
) -> None:
    try:
        with transaction.atomic(), time_machine.travel(timezone.now(), tick=False) as clock:
            set_places(places)
            requests = [eligible(world, employer="a") for _ in range(entries)]
            allocated_round(world)
            expected: dict[dt.date, int] = {}
            for name, which in steps:
                clock.shift(dt.timedelta(days=1))
                for step in [*BEFORE.get(name, []), name]:
                    request = Request.objects.get(pk=requests[which % entries].pk)
                    try:
                        with transaction.atomic():
                            request_transition(request=request, name=step, by=getattr(world, STEPS[step]),
                                               reason="A step in a random sequence.")
                    except (LifecycleError, Refused):
                        pass
                today = timezone.localdate()
                allocated, cap = held_in_statistics(today)
                assert allocated == held_by_allocation() <= cap
                expected[today] = allocated
            # As at every day since, the figures are what they were that day.
            for day, allocated in expected.items():
                assert held_in_statistics(day)[0] == allocated, (day, expected)
            raise Rollback
    except Rollback:
        pass


def test_a_declined_visa_after_a_promotion_leaves_the_figures_at_the_places_held(world: World) -> Any:
    """The case that once read 601 of 600: a draw, a declined visa, the place passed on by a promotion."""
    set_places(1)
    first, second = eligible(world), eligible(world)
    drawn_round(world)
    holder, waiting = sorted((first, second), key=lambda r: Request.objects.get(pk=r.pk).status)
    holder = Request.objects.get(pk=holder.pk)
    assert holder.status == "allocated"
    walk(holder, [("recommend", world.assessor_nztech), ("invite", world.inz_officer),
                  ("request_travel", worker_account(holder)), ("decline_visa", world.inz_officer)], reason="Step.")
    assert Request.objects.get(pk=waiting.pk).status == "allocated"  # promoted into the place given up
    assert held_in_statistics(timezone.localdate()) == (1, 1) == (held_by_allocation(), 1)
