"""Evaluating a file of answers, one JSON object per line in and one per line out, in the same order."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from bordercase.policy.answers import InvalidAnswers
from bordercase.policy.parameters import ParameterNotInForce
from bordercase.policy.scheme import Scheme


def evaluate_lines(scheme: Scheme, lines: Iterable[str], as_at: dt.date | None = None) -> Iterator[dict[str, Any]]:
    """For each line ``{"id": ..., "answers": {...}}``: the evaluation, or ``{"id", "errors"}``."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            yield {"id": None, "line": number, "errors": [
                {"field": "line", "rule": "json", "message": f"line {number} is not JSON ({exc.msg}): write one "
                                                              "object per line"}]}
            continue
        if not isinstance(entry, dict) or "answers" not in entry:
            yield {"id": entry.get("id") if isinstance(entry, dict) else None, "line": number, "errors": [
                {"field": "answers", "rule": "required", "message": 'each line needs {"id": ..., "answers": {...}}'}]}
            continue
        request_id = entry.get("id")
        try:
            evaluation = scheme.evaluate(scheme.check(entry["answers"]), as_at)
        except InvalidAnswers as exc:
            yield {"id": request_id, "line": number, "errors": [e.as_json() for e in exc.errors]}
            continue
        except ParameterNotInForce as exc:
            yield {"id": request_id, "line": number,
                   "errors": [{"field": "lodged_on", "rule": "in_force", "message": str(exc)}]}
            continue
        yield {
            "id": request_id,
            "outcome": evaluation.outcome.value,
            "criteria": [{"id": c.id, "outcome": c.outcome.value, "reason": c.reason, "clause": c.clause}
                         for c in evaluation.criteria],
            "policy_version": evaluation.policy_version,
            "as_at": evaluation.as_at.isoformat(),
        }
