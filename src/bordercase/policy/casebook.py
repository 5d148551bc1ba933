"""A scheme's test cases, kept as YAML in its ``tests/`` folder and run by ``bordercase policy test``.

One file holds a list of cases, in the spirit of OpenFisca's YAML tests: answers in, the expected
outcome and criterion outcomes out. A case may also set parameters (a what-if), fix the date, check
words in a reason, or expect the answers to be refused with errors on named fields::

    cases:
      - name: A programmer on NZ$110,000 is below the threshold
        as_at: 2022-03-01
        answers: {anzsco_code: "261313", annual_salary_nzd: 110000, ...}
        outcome: ineligible
        criteria: {salary_threshold: not_met, role_in_short_supply: met}
        reasons: {salary_threshold: "below the NZ$120,000 threshold"}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bordercase.policy.answers import InvalidAnswers
from bordercase.policy.files import PolicyFileError, parse
from bordercase.policy.loader import SCHEMES
from bordercase.policy.outcomes import Finding, Outcome
from bordercase.policy.parameters import BadOverride, ParameterNotInForce
from bordercase.policy.scheme import Scheme


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    answers: dict[str, Any]
    as_at: dt.date | None = None
    set: dict[str, Any] = {}
    outcome: Outcome | None = None
    criteria: dict[str, Finding] = {}
    reasons: dict[str, str] = {}
    errors: list[str] = []
    not_in_force: bool = False


class CasesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cases: list[CaseFile] = Field(min_length=1)


@dataclass
class CaseResult:
    scheme: str
    file: str
    line: int | None
    name: str
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def case_files(scheme: Scheme) -> list[Path]:
    return sorted((SCHEMES / scheme.folder / "tests").glob("*.yaml"))


def count(scheme: Scheme) -> int:
    """How many cases the scheme's files hold, read but not run; PolicyFileError if a file is broken."""
    return sum(len(parse(path, CasesFile)[0].cases) for path in case_files(scheme))


def run_file(scheme: Scheme, path: Path) -> list[CaseResult]:
    parsed, lines = parse(path, CasesFile)
    results = []
    for index, case in enumerate(parsed.cases):
        result = CaseResult(scheme.id, str(path), lines.get(("cases", index)), case.name)
        result.problems = _problems(scheme, case)
        results.append(result)
    return results


def run(scheme: Scheme) -> list[CaseResult]:
    results: list[CaseResult] = []
    for path in case_files(scheme):
        try:
            results.extend(run_file(scheme, path))
        except PolicyFileError as exc:
            results.append(CaseResult(scheme.id, str(path), exc.line, "(the file)", [str(exc)]))
    return results


def _problems(scheme: Scheme, case: CaseFile) -> list[str]:
    try:
        variant = scheme.what_if(case.set) if case.set else scheme
    except BadOverride as exc:
        return [f"set: {exc}"]
    try:
        answers = variant.check(case.answers)
    except InvalidAnswers as exc:
        fields = sorted(e.field for e in exc.errors)
        if case.errors and fields == sorted(case.errors):
            return []
        return [f"answers refused ({exc}); expected " + (f"errors on {', '.join(case.errors)}" if case.errors
                                                         else "them to be accepted")]
    if case.errors:
        return [f"expected errors on {', '.join(case.errors)}, but the answers were accepted"]
    try:
        evaluation = variant.evaluate(answers, case.as_at)
    except ParameterNotInForce as exc:
        return [] if case.not_in_force else [f"not in force: {exc}"]
    if case.not_in_force:
        return ["expected the rules not to be in force on that date, but they were"]
    problems = []
    if case.outcome is not None and evaluation.outcome is not case.outcome:
        problems.append(f"outcome is {evaluation.outcome.value}, expected {case.outcome.value}")
    found = {c.id: c for c in evaluation.criteria}
    for cid, expected in case.criteria.items():
        if cid not in found:
            problems.append(f"there is no criterion {cid!r}")
        elif found[cid].outcome is not expected:
            problems.append(f"{cid} is {found[cid].outcome.value}, expected {expected.value}: {found[cid].reason}")
    for cid, words in case.reasons.items():
        if cid in found and words not in found[cid].reason:
            problems.append(f"{cid}'s reason does not say {words!r}: {found[cid].reason}")
    if case.outcome is None and not case.criteria:
        problems.append("the case expects nothing: give an outcome, criteria or errors")
    return problems
