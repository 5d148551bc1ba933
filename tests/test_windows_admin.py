"""An administrator changes, extends and closes intake windows, each change recorded with who and why; anyone
else is refused and nothing changes."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bordercase.accounts.models import AdministratorAction
from bordercase.cases.models import IntakeWindow, Request, Scheme
from bordercase.cases.services.windows import (
    intake_require_open,
    window_add,
    window_change,
    window_close,
    window_close_effect,
    window_extend,
)
from bordercase.lib.errors import InvalidInput, OutsideWindow, Refused
from tests.conftest import World
from tests.walking import walk

FAMILY = "eoi-family-2020"
MakeRequest = Callable[..., Request]


def family() -> Scheme:
    return Scheme.objects.get(code=FAMILY)


def open_window() -> IntakeWindow:
    return family().windows.get(opens_at__lte=timezone.now(), closes_at__gt=timezone.now())


def later_window(world: World) -> IntakeWindow:
    start = timezone.now() + dt.timedelta(days=60)
    return window_add(scheme=family(), opens_at=start, closes_at=start + dt.timedelta(days=30),
                      by=world.administrator, reason="The second intake.")


def test_closing_says_what_it_does_then_stops_lodging_and_records_who_and_why(
    world: World, make_request: MakeRequest
) -> None:
    draft = make_request(scheme=FAMILY, by=world.individual, body="inz")
    lodged = walk(make_request(scheme=FAMILY, by=world.individual, body="inz"), [("lodge", world.individual)])
    effect = window_close_effect(family())
    assert (effect.drafts, effect.lodged_in_window, effect.next_window) == (1, 1, None)
    window_close(scheme=family(), by=world.administrator, reason="Enough requests to assess this year.")
    with pytest.raises(OutsideWindow):
        intake_require_open(family())
    assert Request.objects.get(pk=draft.pk).status == "draft"
    assert Request.objects.get(pk=lodged.pk).status == "lodged"
    action = AdministratorAction.objects.get()
    assert (action.actor, action.action, action.reason) == (
        world.administrator, "window_close", "Enough requests to assess this year.")
    assert action.details["drafts_left"] == 1 and action.details["before"] != action.details["after"]


def test_only_an_administrator_may_change_windows_and_a_refusal_changes_nothing(world: World) -> None:
    before = list(IntakeWindow.objects.values_list("pk", "opens_at", "closes_at"))
    for who in (world.employer_a, world.assessor_nztech, world.inz_officer):
        with pytest.raises(Refused, match="Only a scheme administrator"):
            window_close(scheme=family(), by=who, reason="Because.")
        with pytest.raises(Refused):
            window_extend(window=open_window(), closes_at=timezone.now() + dt.timedelta(days=90), by=who,
                          reason="Because.")
    assert list(IntakeWindow.objects.values_list("pk", "opens_at", "closes_at")) == before
    assert not AdministratorAction.objects.exists()


def test_a_change_needs_a_reason(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        window_close(scheme=family(), by=world.administrator, reason="   ")
    assert "reason" in refused.value.errors
    assert open_window() is not None


def test_extending_moves_only_the_close_and_must_move_it_later(world: World) -> None:
    window = open_window()
    later = window.closes_at + dt.timedelta(days=7)
    window_extend(window=window, closes_at=later, by=world.administrator, reason="A week more for employers.")
    window.refresh_from_db()
    assert window.closes_at == later
    with pytest.raises(InvalidInput, match="give a later time"):
        window_extend(window=window, closes_at=later - dt.timedelta(days=1), by=world.administrator, reason="No.")


def test_extending_into_the_next_window_is_refused(world: World) -> None:
    nxt = later_window(world)
    with pytest.raises(InvalidInput) as refused:
        window_extend(window=open_window(), closes_at=nxt.opens_at + dt.timedelta(days=1), by=world.administrator,
                      reason="Overlap.")
    assert "opens_at" in refused.value.errors


def test_only_a_window_not_yet_open_may_change_both_times(world: World) -> None:
    nxt = later_window(world)
    opens = nxt.opens_at + dt.timedelta(days=1)
    window_change(window=nxt, opens_at=opens, closes_at=opens + dt.timedelta(days=10), by=world.administrator,
                  reason="Announced a day later.")
    nxt.refresh_from_db()
    assert nxt.opens_at == opens
    with pytest.raises(InvalidInput, match="opened already"):
        window_change(window=open_window(), opens_at=opens, closes_at=opens + dt.timedelta(days=1),
                      by=world.administrator, reason="Too late.")
    assert [a.action for a in AdministratorAction.objects.order_by("pk")] == ["window_add", "window_change"]


def test_the_command_shows_the_effect_closes_only_when_confirmed_and_lists_the_activity(world: World) -> None:
    shown = io.StringIO()
    call_command("window", "close", FAMILY, "--reason", "The minister's announcement.", stdout=shown)
    assert "stops lodging at once" in shown.getvalue() and "Nothing was changed" in shown.getvalue()
    assert intake_require_open(family())
    call_command("window", "close", FAMILY, "--reason", "The minister's announcement.", "--confirm",
                 stdout=io.StringIO())
    with pytest.raises(OutsideWindow):
        intake_require_open(family())
    with pytest.raises(CommandError, match="no window open now"):
        call_command("window", "close", FAMILY, "--reason", "Again.", "--confirm", stdout=io.StringIO())
    with pytest.raises(CommandError, match="There is no window 999999"):
        call_command("window", "extend", "999999", "--closes", "2031-01-01 09:00", "--reason", "x")
    activity = io.StringIO()
    call_command("activity", stdout=activity)
    assert "window_close" in activity.getvalue() and "The minister's announcement." in activity.getvalue()
    assert "(command line)" in activity.getvalue()
