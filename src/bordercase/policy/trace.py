"""Evaluation with its trace: every parameter value the rules read, with the date it took effect and its source.

``Scheme.evaluate`` is the fast path of lodging and the what-if, which never need to say why; this runs the same
criterion functions and ``combine`` over the same parameters as at the same date, and records, as OpenFisca's
trace does, which values each criterion actually read (a short-term role never reads the median wage) and the
parameter that made a criterion mandatory on that date. ``tests/test_rules_trace.py`` holds the two to the same
outcome for every YAML case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from bordercase.policy.outcomes import CriterionResult, Evaluation, combine
from bordercase.policy.scheme import Scheme

WHAT_IF = "what-if"  # the reference of a value a what-if set, which no source gives


@dataclass(frozen=True)
class Read:
    """One parameter value read while evaluating: by which criterion, for what, and where the value comes from."""

    criterion: str
    parameter: str
    value: Any
    effective_from: dt.date | None  # None for a value a what-if set
    reference: str
    note: str = ""
    purpose: str = "value"  # "value": the criterion used it; "mandatory": it said whether the criterion counts

    def as_json(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "parameter": self.parameter, "value": plain(self.value),
                "effective_from": self.effective_from.isoformat() if self.effective_from else None,
                "reference": self.reference, "note": self.note, "purpose": self.purpose}


class Traced(NamedTuple):
    evaluation: Evaluation
    trace: tuple[Read, ...]


class _Recording(dict[str, Any]):
    """The parameters handed to a criterion, noting each one it looks up (criteria read them by name)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.read: list[str] = []

    def __getitem__(self, name: str) -> Any:
        self._note(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self._note(name)
        return super().get(name, default)

    def _note(self, name: str) -> None:
        if name != "as_at" and name not in self.read:
            self.read.append(name)


def parameter_read(scheme: Scheme, criterion: str, name: str, as_at: dt.date, purpose: str = "value") -> Read:
    if name in scheme.overrides:
        return Read(criterion, name, scheme.overrides[name], None, WHAT_IF, purpose=purpose)
    value = scheme.parameters[name].at(as_at)
    return Read(criterion, name, value.value, value.effective_from, value.reference, value.note, purpose)


def evaluate_traced(scheme: Scheme, answers: Mapping[str, Any], as_at: dt.date | None = None) -> Traced:
    """``scheme.evaluate(answers, as_at)`` with the trace of what it read; answers already checked by ``check``.

    Every parameter a criterion declares is resolved first, as ``Scheme.evaluate`` does, so a date before any of
    them took effect raises ``ParameterNotInForce`` the same way.
    """
    date = as_at or answers.get("lodged_on") or dt.date.today()
    declared = [(c, {name: scheme.value(name, date) for name in c.reads}) for c in scheme.criteria]
    results: list[CriterionResult] = []
    trace: list[Read] = []
    for criterion, values in declared:
        handed = _Recording({**values, "as_at": date})
        finding, reason = criterion.function(answers, handed)
        trace.extend(parameter_read(scheme, criterion.id, name, date) for name in handed.read)
        mandatory = criterion.mandatory
        if criterion.mandatory_parameter:
            mandatory = bool(scheme.value(criterion.mandatory_parameter, date))
            trace.append(parameter_read(scheme, criterion.id, criterion.mandatory_parameter, date, "mandatory"))
        results.append(CriterionResult(criterion.id, finding, reason, criterion.clause, mandatory))
    evaluation = Evaluation(scheme.id, combine(results), tuple(results), scheme.policy_version, date)
    return Traced(evaluation, tuple(trace))


def evaluate_answers(scheme: Scheme, answers: Any, as_at: dt.date | None = None) -> Traced:
    """What lodging these answers would find, as at ``as_at`` (else their ``lodged_on``, else today), traced.

    The one evaluation behind the public checker and the rules API: the answers are checked in full first
    (``InvalidAnswers`` names every field and rule broken), then the rules in force on the date apply
    (``ParameterNotInForce`` when they were not yet in force).
    """
    return evaluate_traced(scheme, scheme.check(answers), as_at)


def plain(value: Any) -> Any:
    """A parameter's value as JSON holds it: money (a Decimal) as a number, lists for tuples."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
