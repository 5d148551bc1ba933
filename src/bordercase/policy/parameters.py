"""Effective-dated parameters: every value has the date it took effect and the source it comes from."""

from __future__ import annotations

import bisect
import copy
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Number = int | float | Decimal


class ParameterNotInForce(LookupError):
    """Asked for a parameter as at a date before its first value took effect."""


class BadOverride(ValueError):
    """A what-if value that does not fit the parameter it replaces.

    ``field`` is the parameter (or part, ``salary_thresholds.2613``) it was for, so a form can put the message on it.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Dated:
    """A what-if value that applies from a date on, in place of the parameter's own values from then; before the
    date the parameter keeps its own, as a dated value in the policy would."""

    value: Any
    applies_from: dt.date

    def __str__(self) -> str:
        return f"{self.value}@{self.applies_from.isoformat()}"


@dataclass(frozen=True)
class Value:
    effective_from: dt.date
    value: Any
    reference: str
    note: str = ""


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    values: tuple[Value, ...]
    _starts: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(v.effective_from for v in self.values))

    @property
    def in_force_from(self) -> dt.date:
        """The first day the parameter has a value. Before it the parameter is not in force: ``at`` refuses, and
        the rules that read it cannot be evaluated (``policy.editions.takes_effect`` counts from it too)."""
        return self._starts[0]

    def at(self, as_at: dt.date) -> Value:
        """The value in force on ``as_at``: the last to take effect by then; ``ParameterNotInForce`` before any."""
        first = self.in_force_from
        if as_at < first:
            raise ParameterNotInForce(
                f"{self.name} has no value before {first:%-d %B %Y}, so nothing can be evaluated as at "
                f"{as_at:%-d %B %Y}: evaluate as at {first:%-d %B %Y} or later."
            )
        return self.values[bisect.bisect_right(self._starts, as_at) - 1]


def override(value: Any, path: list[str], new: Any, name: str) -> Any:
    """``value`` with the part at ``path`` replaced by ``new``, refusing a change of kind (a what-if is a value)."""
    if not path:
        if isinstance(value, bool) != isinstance(new, bool) or (
            not isinstance(value, bool) and isinstance(value, Number) != isinstance(new, Number)
        ) or (isinstance(value, str) != isinstance(new, str)) or (
            isinstance(value, list | tuple) != isinstance(new, list | tuple)
        ):
            raise BadOverride(f"{name} is {_kind(value)}, so it cannot be set to {new!r}: give {_kind(value)}.",
                              name)
        return tuple(new) if isinstance(new, list) else new
    if not isinstance(value, dict):
        raise BadOverride(f"{name} has no part {path[0]!r}: it is {_kind(value)}.", name)
    if path[0] not in value and not (len(path) == 1 and open_table(value)):
        raise BadOverride(f"{name} has no part {path[0]!r}: its parts are {', '.join(map(str, value))}.", name)
    changed = copy.copy(value)
    if path[0] not in value:
        changed[path[0]] = new
        return changed
    changed[path[0]] = override(value[path[0]], path[1:], new, f"{name}.{path[0]}")
    return changed


def open_table(table: dict[Any, Any]) -> bool:
    """A table a what-if may add to: caps by category and weights by salary band, whose keys are data and whose values
    are counts. Thresholds by unit group are not: a new one would put a role in short supply, not change a number."""
    return all(isinstance(v, int) and not isinstance(v, bool) for v in table.values())


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, Number):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    return "a table of values"
