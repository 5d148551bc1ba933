"""What-if simulation: how many outcomes change if parameters change, and which criteria move them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bordercase.policy.outcomes import combine
from bordercase.policy.parameters import ParameterNotInForce
from bordercase.policy.scheme import Scheme

EXAMPLES = 10


@dataclass
class WhatIf:
    scheme: str
    changes: Mapping[str, Any]
    policy_version: str
    total: int = 0
    changed: int = 0
    not_in_force: int = 0
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    criteria: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "changes": {k: _plain(v) for k, v in self.changes.items()},
            "policy_version": self.policy_version,
            "requests": self.total,
            "changed": self.changed,
            "not_in_force": self.not_in_force,
            "outcomes": [{"from": a, "to": b, "requests": n} for (a, b), n in sorted(self.outcomes.items())],
            "criteria": [{"criterion": c, "from": a, "to": b, "requests": n}
                         for (c, a, b), n in sorted(self.criteria.items())],
            "examples": self.examples,
        }


def _plain(value: Any) -> Any:
    return value if isinstance(value, bool | int | str | list | dict) or value is None else str(value)


def simulate(
    base: Scheme, changes: Mapping[str, Any], entries: Iterable[tuple[str, Mapping[str, Any], dt.date | None]],
    progress: Callable[[int], None] | None = None,
) -> WhatIf:
    """Evaluate every entry (id, checked answers, as-at date) under the scheme as it is and as changed.

    Only the criteria that read a changed parameter are evaluated again: the rest cannot move.
    """
    variant = base.what_if(changes)
    touched = variant.touched_by({name.split(".")[0] for name in changes})
    report = WhatIf(base.id, changes, variant.policy_version)
    outcomes, moved, examples = report.outcomes, report.criteria, report.examples
    evaluate, evaluate_only = base.evaluate, variant.evaluate_only
    total = not_in_force = 0
    for total, (request_id, answers, as_at) in enumerate(entries, start=1):
        try:
            before = evaluate(answers, as_at)
            again = evaluate_only(answers, before.as_at, touched)
        except ParameterNotInForce:
            not_in_force += 1
            continue
        after_criteria = tuple(again.get(c.id, c) for c in before.criteria)
        after = combine(after_criteria) if again else before.outcome
        for old, new in zip(before.criteria, after_criteria, strict=True):
            if old.outcome is not new.outcome:
                moved[(old.id, old.outcome.value, new.outcome.value)] += 1
        if after is not before.outcome:
            outcomes[(before.outcome.value, after.value)] += 1
            if len(examples) < EXAMPLES:
                examples.append(request_id)
        if progress is not None and total % 100_000 == 0:
            progress(total)
    report.total, report.not_in_force = total, not_in_force
    report.changed = sum(outcomes.values())
    return report


def table(report: WhatIf) -> str:
    """The report as text a person reads in a terminal."""
    changes = ", ".join(f"{k}={_plain(v)}" for k, v in report.changes.items())
    lines = [f"What if {changes} in {report.scheme}?",
             f"{report.changed:,} of {report.total:,} requests change outcome"
             + (f" ({report.not_in_force:,} skipped: the rules were not in force on their date)."
                if report.not_in_force else ".")]
    if report.outcomes:
        lines += ["", f"{'from':<14}{'to':<14}{'requests':>10}"]
        lines += [f"{a:<14}{b:<14}{n:>10,}" for (a, b), n in sorted(report.outcomes.items())]
    if report.criteria:
        lines += ["", f"{'criterion':<28}{'from':<14}{'to':<14}{'requests':>10}"]
        lines += [f"{c:<28}{a:<14}{b:<14}{n:>10,}" for (c, a, b), n in sorted(report.criteria.items())]
    if report.examples:
        lines += ["", "For example: " + ", ".join(report.examples)]
    return "\n".join(lines)


