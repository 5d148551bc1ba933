"""Intake windows: adding, changing, extending and closing them (each an administrator's recorded action),
and asking whether a scheme takes requests now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bordercase.accounts.administration import action_record, administrator_require, reason_require
from bordercase.accounts.models import User
from bordercase.cases.lifecycle import State
from bordercase.cases.models import IntakeWindow, Request, Scheme
from bordercase.cases.windows import Intake, intake_at, intake_message, nz_time
from bordercase.lib.errors import InvalidInput, OutsideWindow
from bordercase.policy.bounds import date_problem


def _check_times(scheme: Scheme, opens_at: dt.datetime, closes_at: dt.datetime,
                 other_than: IntakeWindow | None = None) -> None:
    for name, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
        problem = date_problem(moment.date())
        if problem:
            raise InvalidInput({name: f"The time {problem[1]}."})
    if closes_at <= opens_at:
        raise InvalidInput({"closes_at": "The window must close after it opens: check the closing date and time."})
    overlapping = scheme.windows.filter(opens_at__lt=closes_at, closes_at__gt=opens_at)
    if other_than is not None:
        overlapping = overlapping.exclude(pk=other_than.pk)
    if overlapping.exists():
        raise InvalidInput({"opens_at": f"{scheme.title} already has a window over some of that time: "
                                        "change that window or choose times that do not overlap it."})


def _saved(window: IntakeWindow) -> IntakeWindow:
    try:
        window.full_clean()
    except ValidationError as exc:
        raise InvalidInput.from_validation_error(exc) from exc
    window.save()
    return window


def _times(window: IntakeWindow) -> dict[str, str]:
    return {"opens_at": window.opens_at.isoformat(), "closes_at": window.closes_at.isoformat()}


def window_add(*, scheme: Scheme, opens_at: dt.datetime, closes_at: dt.datetime, by: User | None = None,
               reason: str = "") -> IntakeWindow:
    """A new window; recorded as an administrator's action when a reason is given (the demo and tests give none)."""
    if by is not None:
        administrator_require(by, "add an intake window")
    _check_times(scheme, opens_at, closes_at)
    with transaction.atomic():
        window = _saved(IntakeWindow(scheme=scheme, opens_at=opens_at, closes_at=closes_at, created_by=by))
        if reason.strip():
            action_record(by=by, action="window_add", subject=f"{scheme.title}: {_span(window)}",
                          reason=reason.strip(), details={"scheme": scheme.code, **_times(window)})
    return window


def _span(window: IntakeWindow) -> str:
    return f"{nz_time(window.opens_at)} to {nz_time(window.closes_at)}"


def _locked(window: IntakeWindow) -> IntakeWindow:
    return IntakeWindow.objects.select_for_update().select_related("scheme").get(pk=window.pk)


def window_change(*, window: IntakeWindow, opens_at: dt.datetime, closes_at: dt.datetime, by: User | None,
                  reason: str) -> IntakeWindow:
    """Move a window that has not opened yet: nobody has lodged in it, so both times may change."""
    administrator_require(by, "change an intake window")
    why = reason_require(reason)
    with transaction.atomic():
        current = _locked(window)
        if current.opens_at <= timezone.now():
            raise InvalidInput({"opens_at": "This window has opened already, so only its closing can change: "
                                            "extend it, or close it now."})
        if opens_at <= timezone.now():
            raise InvalidInput({"opens_at": "The new opening is in the past: choose a time from now on."})
        _check_times(current.scheme, opens_at, closes_at, other_than=current)
        before = _times(current)
        current.opens_at, current.closes_at = opens_at, closes_at
        _saved(current)
        action_record(by=by, action="window_change", subject=f"{current.scheme.title}: {_span(current)}",
                      reason=why, details={"scheme": current.scheme.code, "before": before, "after": _times(current)})
    return current


def window_extend(*, window: IntakeWindow, closes_at: dt.datetime, by: User | None, reason: str) -> IntakeWindow:
    """Close a window that has not closed yet later than planned."""
    administrator_require(by, "extend an intake window")
    why = reason_require(reason)
    with transaction.atomic():
        current = _locked(window)
        if current.closes_at <= timezone.now():
            raise InvalidInput({"closes_at": "This window has closed already: add a new window instead."})
        if closes_at <= current.closes_at:
            raise InvalidInput({"closes_at": f"The window closes {nz_time(current.closes_at)} already: give a later "
                                             "time to extend it, or close it now."})
        _check_times(current.scheme, current.opens_at, closes_at, other_than=current)
        before = _times(current)
        current.closes_at = closes_at
        _saved(current)
        action_record(by=by, action="window_extend", subject=f"{current.scheme.title}: {_span(current)}",
                      reason=why, details={"scheme": current.scheme.code, "before": before, "after": _times(current)})
    return current


@dataclass(frozen=True)
class ClosingEffect:
    """What closing a scheme's window now would do, shown before the administrator confirms."""

    window: IntakeWindow
    drafts: int  # drafts that could no longer be lodged (unless another window opens)
    lodged_in_window: int  # requests lodged in this window so far, which stay lodged
    next_window: IntakeWindow | None


def window_open_now(scheme: Scheme) -> IntakeWindow:
    now = timezone.now()
    found = scheme.windows.filter(opens_at__lte=now, closes_at__gt=now).first()
    if found is None:
        raise InvalidInput({"scheme": f"{scheme.title} has no window open now, so there is nothing to close."})
    return found


def window_close_effect(scheme: Scheme) -> ClosingEffect:
    window = window_open_now(scheme)
    requests = Request.objects.filter(scheme=scheme)
    return ClosingEffect(
        window=window, drafts=requests.filter(status=State.DRAFT).count(),
        lodged_in_window=requests.filter(lodged_at__gte=window.opens_at).count(),
        next_window=scheme.windows.filter(opens_at__gt=timezone.now()).order_by("opens_at").first())


def window_close(*, scheme: Scheme, by: User | None, reason: str) -> IntakeWindow:
    """Close the scheme's open window now: no lodging from this moment; drafts stay, lodged requests go on."""
    administrator_require(by, "close an intake window")
    why = reason_require(reason)
    with transaction.atomic():
        current = _locked(window_open_now(scheme))
        effect = window_close_effect(scheme)
        before = _times(current)
        current.closes_at = timezone.now()
        _saved(current)
        action_record(by=by, action="window_close", subject=f"{scheme.title}: {_span(current)}", reason=why,
                      details={"scheme": scheme.code, "before": before, "after": _times(current),
                               "drafts_left": effect.drafts})
    return current


def scheme_intake(scheme: Scheme, now: dt.datetime | None = None) -> Intake:
    return intake_at([w.as_window() for w in scheme.windows.all()], now or timezone.now())


def intake_require_drafts(scheme: Scheme) -> Intake:
    """A draft may be started while a window is open or announced."""
    intake = scheme_intake(scheme)
    if not intake.takes_drafts:
        raise OutsideWindow(intake_message(scheme.title, intake), intake)
    return intake


def intake_require_open(scheme: Scheme, now: dt.datetime | None = None) -> Intake:
    """A request may be lodged only while a window is open (at ``now``, the moment of the lodging)."""
    intake = scheme_intake(scheme, now)
    if not intake.is_open:
        raise OutsideWindow(intake_message(scheme.title, intake), intake)
    return intake
