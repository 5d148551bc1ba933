"""What-if simulation: how many outcomes change if parameters change, and which criteria move them."""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
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
    # Outcomes changed by the request's category (its ballot category; "" where the scheme has none)
    categories: Counter[tuple[str, str, str]] = field(default_factory=Counter)
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
            "categories": [{"category": c, "from": a, "to": b, "requests": n}
                           for (c, a, b), n in sorted(self.categories.items())],
            "examples": self.examples,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        # JSON numbers: a whole amount as an integer, a multiple such as 1.5 as a decimal fraction.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value if isinstance(value, bool | int | str) or value is None else str(value)


def simulate(
    base: Scheme, changes: Mapping[str, Any], entries: Iterable[tuple[str, Mapping[str, Any], dt.date | None]],
    progress: Callable[[int], None] | None = None, category: Callable[[Mapping[str, Any]], str] | None = None,
    as_at: dt.date | None = None, every: int = 100_000,
) -> WhatIf:
    """Evaluate every entry (id, checked answers, as-at date) under the scheme as it is and as changed.

    Only the criteria that read a changed parameter are evaluated again: the rest cannot move. ``as_at`` evaluates
    every entry as at that date instead of its own; ``category`` says what category a changed outcome counts under;
    ``progress`` hears how many are done every ``every`` entries.
    """
    variant = base.what_if(changes)
    touched = variant.touched_by({name.split(".")[0] for name in changes})
    report = WhatIf(base.id, changes, variant.policy_version)
    outcomes, moved, examples, by_category = report.outcomes, report.criteria, report.examples, report.categories
    evaluate, evaluate_only = base.evaluate, variant.evaluate_only
    total = not_in_force = 0
    when = as_at
    for total, (request_id, answers, entry_at) in enumerate(entries, start=1):
        try:
            before = evaluate(answers, when if when is not None else entry_at)
            again = evaluate_only(answers, before.as_at, touched)
        except ParameterNotInForce:
            not_in_force += 1
            continue
        criteria = before.criteria
        after_criteria = list(criteria)
        for position, new in zip(touched, again, strict=True):
            old = criteria[position]
            after_criteria[position] = new
            if old[1] is not new[1]:
                moved[(old[0], old[1].value, new[1].value)] += 1
        after = combine(after_criteria)
        if after is not before.outcome:
            outcomes[(before.outcome.value, after.value)] += 1
            if category is not None:
                by_category[(category(answers), before.outcome.value, after.value)] += 1
            if len(examples) < EXAMPLES:
                examples.append(request_id)
        if progress is not None and total % every == 0:
            progress(total)
    report.total, report.not_in_force = total, not_in_force
    report.changed = sum(outcomes.values())
    return report


def simulate_parallel(
    base: Scheme, changes: Mapping[str, Any], entries: Sequence[tuple[str, Mapping[str, Any], dt.date | None]],
    workers: int | None = None, category: Callable[[Mapping[str, Any]], str] | None = None,
    as_at: dt.date | None = None,
) -> WhatIf:
    """``simulate`` split across processes, one slice of ``entries`` each, merged into one report.

    Forked workers read ``entries`` from the parent's memory, so nothing is copied to them up front.
    Falls back to one process where fork is not available.
    """
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(entries) < 10_000 or "fork" not in multiprocessing.get_all_start_methods():
        return simulate(base, changes, entries, category=category, as_at=as_at)
    global _SHARED
    _SHARED = (base, changes, entries, category, as_at)
    size = -(-len(entries) // workers)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_simulate_slice, [(i, min(i + size, len(entries))) for i in range(0, len(entries), size)])
    _SHARED = None
    report = parts[0]
    for part in parts[1:]:
        report.total += part.total
        report.not_in_force += part.not_in_force
        report.outcomes.update(part.outcomes)
        report.criteria.update(part.criteria)
        report.categories.update(part.categories)
        report.examples.extend(part.examples)
    report.changed = sum(report.outcomes.values())
    del report.examples[EXAMPLES:]
    return report


_SHARED: tuple[Scheme, Mapping[str, Any], Sequence[tuple[str, Mapping[str, Any], dt.date | None]],
               Callable[[Mapping[str, Any]], str] | None, dt.date | None] | None = None


def _simulate_slice(bounds: tuple[int, int]) -> WhatIf:
    assert _SHARED is not None  # noqa: S101 - set by the parent before it forks
    base, changes, entries, category, as_at = _SHARED
    return simulate(base, changes, itertools.islice(entries, *bounds), category=category, as_at=as_at)


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
    if any(c for c, _, _ in report.categories):
        lines += ["", f"{'category':<14}{'from':<14}{'to':<14}{'requests':>10}"]
        lines += [f"{c or '(none)':<14}{a:<14}{b:<14}{n:>10,}" for (c, a, b), n in sorted(report.categories.items())]
    if report.examples:
        lines += ["", "For example: " + ", ".join(report.examples)]
    return "\n".join(lines)


