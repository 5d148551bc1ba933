"""A scheme's rules as in force on a date: the parameters' values then, the criteria, and what last changed.

A scheme's rules change when one of its parameters takes a new dated value (Immigration NZ's median wage each
year, say). Each such date starts an **edition** of the rules; the first is the day every parameter the scheme has
was in force. ``rules_at`` gives the edition in force on a date, the one before it and, for each parameter whose
value changed, the value before and after with their sources. The content hash (``Scheme.version``) versions the
rules' files; editions are what the dated values inside them make of those files over time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from bordercase.policy.answers import Question
from bordercase.policy.files import SourceFile
from bordercase.policy.parameters import Parameter, ParameterNotInForce, Value
from bordercase.policy.scheme import Criterion, Scheme


@dataclass(frozen=True)
class ParameterAt:
    """A parameter with every dated value, and the one in force on the date (None before the first)."""

    parameter: Parameter
    current: Value | None
    sources: tuple[SourceFile, ...]

    @property
    def name(self) -> str:
        return self.parameter.name


@dataclass(frozen=True)
class Change:
    """A parameter's value that took effect on an edition's first day, with the value it replaced."""

    parameter: Parameter
    before: Value | None
    after: Value


@dataclass(frozen=True)
class CriterionAt:
    criterion: Criterion
    mandatory: bool | None  # None when the parameter that decides it is not in force on the date
    sources: tuple[SourceFile, ...]  # the sources its clause cites


@dataclass(frozen=True)
class RulesAt:
    scheme: Scheme
    as_at: dt.date
    takes_effect: dt.date  # the first day every parameter has a value: the rules' first edition
    edition: dt.date | None  # the first day of the edition in force on as_at; None before the rules took effect
    previous: dt.date | None  # the first day of the edition before it
    following: dt.date | None  # the first day of the next edition, if one is known
    editions: tuple[dt.date, ...]
    changes: tuple[Change, ...]  # what the edition in force changed from the previous one
    parameters: tuple[ParameterAt, ...]
    criteria: tuple[CriterionAt, ...]

    @property
    def in_force(self) -> bool:
        return self.edition is not None

    def options(self, question: Question) -> list[tuple[str, str]]:
        """A question's options as the rules on the date list them (some come from a parameter)."""
        if question.options_from and not self.in_force:
            return []
        return self.scheme.options(question, self.as_at)


def editions(scheme: Scheme) -> tuple[dt.date, ...]:
    """The first day of each edition: when the rules took effect, then every later day a parameter changed."""
    first = takes_effect(scheme)
    later = {v.effective_from for p in scheme.parameters.values() for v in p.values if v.effective_from > first}
    return (first, *sorted(later))


def takes_effect(scheme: Scheme) -> dt.date:
    """The first day every parameter is in force, as the evaluation reads it (``Parameter.in_force_from``)."""
    return max(p.in_force_from for p in scheme.parameters.values())


def sources_in(scheme: Scheme, text: str) -> tuple[SourceFile, ...]:
    """The scheme's sources a clause or reference cites by their id, in the order it cites them."""
    found = []
    for source in scheme.sources:
        match = re.search(rf"(?<![\w-]){re.escape(source.id)}(?![\w-])", text)
        if match:
            found.append((match.start(), source))
    return tuple(source for _, source in sorted(found, key=lambda pair: pair[0]))


def rules_at(scheme: Scheme, as_at: dt.date) -> RulesAt:
    starts = editions(scheme)
    started = [d for d in starts if d <= as_at]
    edition = started[-1] if started else None
    previous = started[-2] if len(started) > 1 else None
    following = next((d for d in starts if d > as_at), None)
    parameters = tuple(ParameterAt(p, _value_at(p, as_at), _cited(scheme, p)) for p in scheme.parameters.values())
    changes: tuple[Change, ...] = ()
    if edition is not None and previous is not None:
        day_before = edition - dt.timedelta(days=1)
        changes = tuple(Change(p, _value_at(p, day_before), after) for p in scheme.parameters.values()
                        if (after := _value_at(p, edition)) is not None and after.effective_from == edition)
    criteria = tuple(CriterionAt(c, _mandatory(scheme, c, as_at), sources_in(scheme, c.clause))
                     for c in scheme.criteria)
    return RulesAt(scheme, as_at, starts[0], edition, previous, following, starts, changes, parameters, criteria)


def _value_at(parameter: Parameter, as_at: dt.date) -> Value | None:
    """The value the evaluation would read on ``as_at``; None where it would find the parameter not in force."""
    try:
        return parameter.at(as_at)
    except ParameterNotInForce:
        return None


def _cited(scheme: Scheme, parameter: Parameter) -> tuple[SourceFile, ...]:
    cited: dict[str, SourceFile] = {}
    for value in parameter.values:
        for source in sources_in(scheme, value.reference):
            cited.setdefault(source.id, source)
    return tuple(cited.values())


def _mandatory(scheme: Scheme, criterion: Criterion, as_at: dt.date) -> bool | None:
    if not criterion.mandatory_parameter:
        return criterion.mandatory
    value = _value_at(scheme.parameters[criterion.mandatory_parameter], as_at)
    return None if value is None else bool(value.value)


def question_json(rules: RulesAt, question: Question) -> dict[str, Any]:
    """A question as the API describes it: what to send under its name."""
    described: dict[str, Any] = {
        "name": question.name, "type": question.type, "label": question.label, "hint": question.hint,
        "required": question.required,
    }
    if question.type in {"choice", "multi_choice"}:
        described["options"] = [{"value": v, "label": label} for v, label in rules.options(question)]
        described["allow_other"] = question.allow_other
    if question.type in {"number", "money", "people"}:
        described["minimum"] = None if question.minimum is None else float(question.minimum)
        described["maximum"] = None if question.maximum is None else float(question.maximum)
    if question.type == "number":
        described["integer"] = question.integer
    if question.type == "text":
        described["max_length"] = question.max_length
    return described
