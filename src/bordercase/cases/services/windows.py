"""Intake windows: setting them, and asking whether a scheme takes requests now."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.cases.errors import InvalidInput, OutsideWindow
from bordercase.cases.models import IntakeWindow, Scheme
from bordercase.cases.windows import Intake, intake_at, intake_message


def window_add(*, scheme: Scheme, opens_at: dt.datetime, closes_at: dt.datetime, by: User | None = None
               ) -> IntakeWindow:
    if closes_at <= opens_at:
        raise InvalidInput({"closes_at": "The window must close after it opens: check the closing date and time."})
    overlapping = scheme.windows.filter(opens_at__lt=closes_at, closes_at__gt=opens_at)
    if overlapping.exists():
        raise InvalidInput({"opens_at": f"{scheme.title} already has a window over some of that time: "
                                        "change that window or choose times that do not overlap it."})
    window = IntakeWindow(scheme=scheme, opens_at=opens_at, closes_at=closes_at, created_by=by)
    try:
        window.full_clean()
    except ValidationError as exc:
        raise InvalidInput.from_validation_error(exc) from exc
    window.save()
    return window


def scheme_intake(scheme: Scheme, now: dt.datetime | None = None) -> Intake:
    return intake_at([w.as_window() for w in scheme.windows.all()], now or timezone.now())


def intake_require_drafts(scheme: Scheme) -> Intake:
    """A draft may be started while a window is open or announced."""
    intake = scheme_intake(scheme)
    if not intake.takes_drafts:
        raise OutsideWindow(intake_message(scheme.title, intake), intake)
    return intake


def intake_require_open(scheme: Scheme) -> Intake:
    intake = scheme_intake(scheme)
    if not intake.is_open:
        raise OutsideWindow(intake_message(scheme.title, intake), intake)
    return intake
