"""Intake windows: when a scheme takes requests (pure, no Django).

A scheme may have several windows over its life (the 2020 EOI categories reopened; the tech class ran
from February to July 2022). Drafts may be started while a window is open or announced, so people can
prepare before it opens; lodging needs a window open at that moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

NZ = ZoneInfo("Pacific/Auckland")


class IntakeState(StrEnum):
    OPEN = "open"
    UPCOMING = "upcoming"  # no window open now, but one is announced
    CLOSED = "closed"  # every window has closed
    NEVER = "never"  # no window was ever set


@dataclass(frozen=True)
class Window:
    opens_at: dt.datetime
    closes_at: dt.datetime

    def __post_init__(self) -> None:
        if self.opens_at.tzinfo is None or self.closes_at.tzinfo is None:
            raise ValueError("Window times must carry a time zone.")
        if self.closes_at <= self.opens_at:
            raise ValueError("A window must close after it opens.")

    def holds(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at


@dataclass(frozen=True)
class Intake:
    """Where a scheme stands at one moment: its state, the window open now, the next and the last."""

    state: IntakeState
    current: Window | None = None
    next: Window | None = None
    last: Window | None = None

    @property
    def is_open(self) -> bool:
        return self.state is IntakeState.OPEN

    @property
    def takes_drafts(self) -> bool:
        return self.state in {IntakeState.OPEN, IntakeState.UPCOMING}


def intake_at(windows: Iterable[Window], now: dt.datetime) -> Intake:
    ordered = sorted(windows, key=lambda w: (w.opens_at, w.closes_at))
    if not ordered:
        return Intake(IntakeState.NEVER)
    current = next((w for w in ordered if w.holds(now)), None)
    upcoming = next((w for w in ordered if w.opens_at > now), None)
    past = [w for w in ordered if w.closes_at <= now]
    last = max(past, key=lambda w: w.closes_at) if past else None
    if current is not None:
        return Intake(IntakeState.OPEN, current=current, next=upcoming, last=last)
    if upcoming is not None:
        return Intake(IntakeState.UPCOMING, next=upcoming, last=last)
    return Intake(IntakeState.CLOSED, last=last)


def nz_time(moment: dt.datetime) -> str:
    """A moment as a person in New Zealand reads it: 9:00 am on Friday 18 February 2022 (NZ time)."""
    local = moment.astimezone(NZ)
    clock = local.strftime("%I:%M %p").lstrip("0").lower()
    return f"{clock} on {local.strftime('%A')} {local.day} {local.strftime('%B %Y')} (New Zealand time)"


def intake_message(scheme_title: str, intake: Intake) -> str:
    """What a person is told when a scheme is not taking what they tried to do, and what to do next."""
    if intake.state is IntakeState.OPEN and intake.current is not None:
        return f"{scheme_title} is taking requests until {nz_time(intake.current.closes_at)}."
    if intake.state is IntakeState.UPCOMING and intake.next is not None:
        return (f"{scheme_title} opens for requests at {nz_time(intake.next.opens_at)}. You can prepare a draft "
                "now and lodge it once the window opens.")
    if intake.state is IntakeState.CLOSED and intake.last is not None:
        return (f"{scheme_title} closed to new requests at {nz_time(intake.last.closes_at)}. A draft is kept, "
                "but it cannot be lodged unless the scheme opens again.")
    return f"{scheme_title} has no intake window yet. Check back later, when its administrator announces one."
