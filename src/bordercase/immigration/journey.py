"""Where a request stands in the whole journey, from lodged to a visa decided (pure: no Django).

The lifecycle has fifteen states; an employer wants to know which of a handful of milestones a nominee has
reached and whether the journey goes on. The milestones follow the scheme's steps: a place allocated only where
places are capped, a recommendation only where an industry body recommends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bordercase.cases.lifecycle import State, Step


class Progress(StrEnum):
    DONE = "done"
    CURRENT = "current"  # the milestone being worked towards now
    STOPPED = "stopped"  # where the journey ended without reaching it
    NOT_YET = "not_yet"


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    progress: Progress
    note: str = ""  # what stands at this milestone now: "Waitlisted", "Visa declined", …


@dataclass(frozen=True)
class Journey:
    stages: tuple[Stage, ...]
    reached: int  # how many milestones are done
    ended: str  # empty while the journey goes on; otherwise how it ended: "Withdrawn", "Visa granted", …

    @property
    def summary(self) -> str:
        """One line for a list: "Step 3 of 6: Recommended to Immigration NZ"."""
        last = next((s for s in reversed(self.stages) if s.progress == Progress.DONE), None)
        where = last.label if last else "Not yet lodged"
        text = f"Step {self.reached} of {len(self.stages)}: {where}"
        return f"{text} ({self.ended.lower()})" if self.ended and self.ended != where else text


# (key, label, the step the milestone needs, the states from which it counts as reached)
_MILESTONES: tuple[tuple[str, str, Step | None, frozenset[State]], ...] = (
    ("lodged", "Lodged", None, frozenset({State.LODGED, State.IN_ASSESSMENT, State.INFO_REQUESTED})),
    ("assessed", "Assessed", None, frozenset({State.ELIGIBLE, State.WAITLISTED, State.DECLINED})),
    ("allocated", "Place allocated", Step.ALLOCATION, frozenset({State.ALLOCATED})),
    ("recommended", "Recommended to Immigration NZ", Step.RECOMMENDATION, frozenset({State.RECOMMENDED})),
    ("invited", "Invited to apply", None, frozenset({State.INVITED})),
    ("travel_requested", "Request to travel lodged", None, frozenset({State.TRAVEL_REQUESTED})),
    ("visa_decided", "Visa decided", None, frozenset({State.VISA_GRANTED, State.VISA_DECLINED})),
)
# What is in hand at the next milestone while the journey goes on.
_WAITING = {State.DRAFT: "Not yet lodged", State.LODGED: "Waiting for an assessor",
            State.IN_ASSESSMENT: "In assessment", State.INFO_REQUESTED: "Information requested",
            State.WAITLISTED: "Waitlisted"}
_ENDED = {State.DECLINED: "Declined", State.WITHDRAWN: "Withdrawn", State.LAPSED: "Lapsed",
          State.VISA_GRANTED: "Visa granted", State.VISA_DECLINED: "Visa declined"}


def journey(state: State, steps: Iterable[Step], *, before_end: State | None = None) -> Journey:
    """The milestones of a request in ``state`` under a scheme with ``steps``.

    A withdrawn or lapsed request ended from some other state: ``before_end`` (the state its last transition
    came from) says how far it got.
    """
    steps = frozenset(steps)
    milestones = [m for m in _MILESTONES if m[2] is None or m[2] in steps]
    standing = before_end if state in (State.WITHDRAWN, State.LAPSED) and before_end is not None else state
    # A decline is the assessment's outcome, but not a milestone reached: the journey stops there.
    done = 1 if standing == State.DECLINED else next(
        (i + 1 for i, (_, _, _, states) in enumerate(milestones) if standing in states), 0)
    ended = _ENDED.get(state, "")
    stages = []
    for i, (key, label, _, _) in enumerate(milestones):
        progress, note = Progress.NOT_YET, ""
        if i < done:
            progress = Progress.DONE
            if i == done - 1 and state in (State.VISA_GRANTED, State.VISA_DECLINED):
                note = ended
        elif i == done and ended:
            progress, note = Progress.STOPPED, ended
        elif i == done:
            progress, note = Progress.CURRENT, _WAITING.get(standing, "")
        stages.append(Stage(key, label, progress, note))
    return Journey(tuple(stages), done, ended)
