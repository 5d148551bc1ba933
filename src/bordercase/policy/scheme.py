"""A loaded scheme: its parameters, questions and criteria, and the evaluation of answers against them."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from bordercase.policy.answers import AnswerRule, Question, check_answers
from bordercase.policy.anzsco import anzsco
from bordercase.policy.criteria import CriterionFunction
from bordercase.policy.files import DocumentFile, PolicyFile, SourceFile, StepsFile
from bordercase.policy.outcomes import CriterionResult, Evaluation, combine
from bordercase.policy.parameters import BadOverride, Dated, Parameter, ParameterNotInForce, Value, override


@dataclass(frozen=True)
class Criterion:
    id: str
    clause: str
    function: CriterionFunction
    reads: tuple[str, ...]
    mandatory: bool
    mandatory_parameter: str = ""


# tuple.__new__ builds the named tuples without the Python-level length check that ``_make`` adds.
_new = tuple.__new__



# Per date, each criterion with the parameters it reads and whether it is mandatory on that date.
_Resolved = tuple[tuple[str, str, CriterionFunction, dict[str, Any], bool], ...]


@dataclass(frozen=True, eq=False)
class Scheme:
    id: str
    title: str
    kind: str
    summary: str
    sources: tuple[SourceFile, ...]
    parameters: Mapping[str, Parameter]
    questions: Mapping[str, Question]
    answer_rules: tuple[AnswerRule, ...]
    documents: tuple[DocumentFile, ...]
    steps: StepsFile
    criteria: tuple[Criterion, ...]
    version: str
    folder: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    # What-if values that apply from a date (``Dated``), by the name given: kept for the policy version, since they
    # live in ``parameters`` as dated values.
    dated_overrides: Mapping[str, Dated] = field(default_factory=dict)
    _cache: dict[dt.date, _Resolved] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, spec: PolicyFile, parameters: dict[str, Parameter], questions: dict[str, Question],
              criteria: tuple[Criterion, ...], version: str, folder: str) -> Scheme:
        rules = tuple(AnswerRule(kind, tuple(names)) for rule in spec.answer_rules
                      for kind, names in (("exactly_one_of", rule.exactly_one_of),
                                          ("at_most_one_of", rule.at_most_one_of)) if names)
        return cls(spec.id, spec.title, spec.kind, spec.summary, tuple(spec.sources), parameters, questions, rules,
                   tuple(spec.documents), spec.steps, criteria, version, folder)

    @functools.cached_property
    def policy_version(self) -> str:
        if not self.overrides and not self.dated_overrides:
            return self.version
        changes = ",".join(f"{k}={v}" for k, v in [*self.overrides.items(), *self.dated_overrides.items()])
        return f"{self.version}+what-if({changes})"

    def check(self, answers: Any, *, partial: bool = False) -> dict[str, Any]:
        """Typed answers, or ``InvalidAnswers`` naming every field and rule broken."""
        return check_answers(self.id, self.questions, self.answer_rules, answers, anzsco().known, partial=partial)

    def evaluate(self, answers: Mapping[str, Any], as_at: dt.date | None = None) -> Evaluation:
        """Apply every criterion to answers already checked by ``check``.

        Parameters are resolved as at ``as_at``, else the answers' ``lodged_on``, else today.
        """
        date = as_at or answers.get("lodged_on") or dt.date.today()
        resolved = self._cache.get(date) or self._resolve(date)
        # Local names and tuple.__new__ make this loop the fast path of a whole-pool run.
        new, result = _new, CriterionResult
        results = tuple([new(result, (cid, *function(answers, params), clause, mandatory))
                         for cid, clause, function, params, mandatory in resolved])
        return new(Evaluation, (self.id, combine(results), results, self.policy_version, date))

    def evaluate_only(self, answers: Mapping[str, Any], date: dt.date, positions: tuple[int, ...]
                      ) -> list[CriterionResult]:
        """Just the criteria at these positions: what a what-if re-runs when a change touches only them."""
        resolved = self._cache.get(date) or self._resolve(date)
        new, result = _new, CriterionResult
        results = []
        for i in positions:
            cid, clause, function, params, mandatory = resolved[i]
            results.append(new(result, (cid, *function(answers, params), clause, mandatory)))
        return results

    def value(self, name: str, as_at: dt.date) -> Any:
        if name in self.overrides:
            return self.overrides[name]
        return self.parameters[name].at(as_at).value

    def _resolve(self, date: dt.date) -> _Resolved:
        resolved = []
        for c in self.criteria:
            params: dict[str, Any] = {name: self.value(name, date) for name in c.reads}
            params["as_at"] = date
            mandatory = bool(self.value(c.mandatory_parameter, date)) if c.mandatory_parameter else c.mandatory
            resolved.append((c.id, c.clause, c.function, params, mandatory))
        self._cache[date] = tuple(resolved)
        return self._cache[date]

    def what_if(self, changes: Mapping[str, Any]) -> Scheme:
        """This scheme with parameters replaced: ``{"salary_thresholds.2613": 110000}`` at every date, or, for a
        ``Dated`` value, from its date on (before it, the parameter keeps its own values)."""
        overrides: dict[str, Any] = dict(self.overrides)
        dated: dict[str, Dated] = dict(self.dated_overrides)
        parameters = dict(self.parameters)
        for dotted, new in changes.items():
            name, *path = dotted.split(".")
            if name not in self.parameters:
                raise BadOverride(f"{self.id} has no parameter {name!r}: its parameters are "
                                  f"{', '.join(self.parameters)}.", dotted)
            if isinstance(new, Dated):
                parameters[name] = _from_date(parameters[name], path, new, dotted)
                dated[dotted] = new
                continue
            current = overrides.get(name, self.parameters[name].values[-1].value)
            overrides[name] = override(current, path, _like(current, path, new), name)
        return replace(self, overrides=overrides, dated_overrides=dated, parameters=parameters, _cache={})

    def touched_by(self, names: set[str]) -> tuple[int, ...]:
        """The positions of the criteria whose result can change when these parameters change."""
        return tuple(i for i, c in enumerate(self.criteria) if names & {*c.reads, c.mandatory_parameter})

    def options(self, question: Question, as_at: dt.date | None = None) -> list[tuple[str, str]]:
        if question.options_from:
            return [(name, name) for name in self.value(question.options_from, as_at or dt.date.today())]
        return list(question.options)


def _like(current: Any, path: list[str], new: Any) -> Any:
    """Money parameters hold Decimals; a what-if number for one becomes a Decimal too."""
    target = current
    for part in path:
        target = target.get(part) if isinstance(target, dict) else None
    if isinstance(target, Decimal) and isinstance(new, int | float) and not isinstance(new, bool):
        return Decimal(str(new))
    return new


def _from_date(parameter: Parameter, path: list[str], new: Dated, dotted: str) -> Parameter:
    """The parameter with ``new`` as its value from ``new.applies_from`` on, in place of its values from then."""
    start = new.applies_from
    try:
        current = parameter.at(start).value
    except ParameterNotInForce:
        current = parameter.values[0].value  # the what-if brings the parameter into force earlier than the policy
    value = override(current, path, _like(current, path, new.value), dotted.split(".")[0])
    kept = tuple(v for v in parameter.values if v.effective_from < start)
    return Parameter(parameter.name, parameter.description, parameter.unit,
                     (*kept, Value(start, value, f"what-if: {dotted}={new}")))
