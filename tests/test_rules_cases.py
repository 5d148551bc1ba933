"""Every YAML case of both seed schemes through the three ways to evaluate answers: `bordercase policy evaluate`,
the public checker's form handler (answers typed into its boxes) and POST /api/v1/rules/{scheme}/evaluate. Each
gives the same outcome, criteria, reasons, clauses, policy version and date, or refuses the same answers.

Cases that ``set:`` parameters are run as the scheme is published (none of the three takes a what-if), which is
what `policy evaluate` gives for them. A bad answer the checker's boxes cannot hold (a yes-or-no sent as the text
"yes", a question the scheme does not ask) must be one the rules refuse.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from bordercase.policy import casebook
from bordercase.policy.loader import scheme
from bordercase.policy.scheme import Scheme

SEED_SCHEMES = ("tech-specialists-2022", "other-essential-worker-2020")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")

pytestmark = pytest.mark.django_db


class NotTypeable(Exception):
    """An answer no one can type into the checker's boxes."""


def _cases(policy: Scheme) -> list[casebook.CaseFile]:
    return [case for path in casebook.case_files(policy) for case in casebook.parse(path, casebook.CasesFile)[0].cases]


def _date_of(case: casebook.CaseFile) -> dt.date | None:
    if case.as_at:
        return case.as_at
    lodged = case.answers.get("lodged_on")
    return None if lodged is None else _typed_date(lodged)


def _typed_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):  # YAML reads an unquoted date as one; JSON carries it as YYYY-MM-DD
        return value
    if not isinstance(value, str) or not _ISO.fullmatch(value):
        raise NotTypeable(f"{value!r} is not a date the boxes hold")
    year, month, day = value.split("-")
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise NotTypeable(f"{value} is no real date") from None


def _boxes(policy: Scheme, case: casebook.CaseFile) -> dict[str, Any]:
    """The answers as a person types them into the checker's boxes, with the date whose rules apply."""
    data: dict[str, Any] = {}
    for name, value in case.answers.items():
        q = policy.questions.get(name)
        if q is None:
            raise NotTypeable(f"{name} is not asked")
        if name == "lodged_on" or value is None:
            continue
        typed_as_text = (q.type in {"text", "anzsco"} and isinstance(value, str | int)) or (
            q.type in {"number", "money"} and not isinstance(value, list | dict))
        if typed_as_text and not isinstance(value, bool):
            data[name] = str(value)
        elif q.type == "yes_no" and isinstance(value, bool):
            data[name] = "yes" if value else "no"
        elif (q.type == "choice" and isinstance(value, str)) or (
                q.type == "multi_choice" and isinstance(value, list) and all(isinstance(v, str) for v in value)):
            data[name] = value
        elif q.type == "date":
            day = _typed_date(value)
            data.update({f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year})
        else:
            raise NotTypeable(f"{name}: {value!r} cannot be typed into a {q.type} question")
    if "lodged_on" in case.answers:
        # The checker has one date, the lodging date, whose rules apply; a case may name another with as_at.
        _typed_date(case.answers["lodged_on"])
    day = _date_of(case) or dt.date.today()
    data.update({"as_at_day": day.day, "as_at_month": day.month, "as_at_year": day.year})
    return data


def _command(scheme_id: str, cases: list[casebook.CaseFile], tmp_path: Path) -> dict[int, dict[str, Any]]:
    """`bordercase policy evaluate` of every case, each with --as-at its date when it has one."""
    found: dict[int, dict[str, Any]] = {}
    groups: dict[dt.date | None, list[int]] = {}
    for index, case in enumerate(cases):
        groups.setdefault(case.as_at, []).append(index)
    for as_at, indexes in groups.items():
        path = tmp_path / f"{scheme_id}-{as_at}.jsonl"
        path.write_text("".join(json.dumps({"id": i, "answers": cases[i].answers}, default=str) + "\n"
                                for i in indexes))
        out = StringIO()
        with pytest.raises(SystemExit) if _any_refused(scheme_id, [cases[i] for i in indexes]) else _nothing():
            call_command("policy", "evaluate", scheme_id, str(path), *(["--as-at", str(as_at)] if as_at else []),
                         stdout=out, stderr=StringIO())
        for line in out.getvalue().splitlines():
            result = json.loads(line)
            found[result["id"]] = result
    return found


class _nothing:  # a context manager that expects nothing, beside pytest.raises
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _any_refused(scheme_id: str, cases: list[casebook.CaseFile]) -> bool:
    return any(case.errors or case.not_in_force for case in cases)


def _evaluated(criteria: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(c["id"], c["outcome"], c["reason"], c["clause"]) for c in criteria]


@pytest.mark.parametrize("scheme_id", SEED_SCHEMES)
def test_every_case_evaluates_alike_on_the_command_line_in_the_checker_and_in_the_api(
    scheme_id: str, tmp_path: Path
) -> None:
    policy = scheme(scheme_id)
    cases = _cases(policy)
    by_command = _command(scheme_id, cases, tmp_path)
    client = Client()
    typed = refused = 0
    for index, case in enumerate(cases):
        expected = by_command[index]
        where = f"{scheme_id}: {case.name}"

        body: dict[str, Any] = {"answers": case.answers}
        if case.as_at:
            body["as_at"] = case.as_at.isoformat()
        answered = client.post(f"/api/v1/rules/{scheme_id}/evaluate", json.dumps(body, default=str),
                               content_type="application/json")
        if "errors" in expected:
            refused += 1
            assert answered.status_code == 422, where
            fields = {f.removeprefix("answers.") for f in answered.json()["fields"]}
            named = {e["field"] for e in expected["errors"]}
            if {e["rule"] for e in expected["errors"]} == {"in_force"}:
                assert fields <= {"as_at", "lodged_on"} and fields, where
            else:
                assert named <= fields, where
        else:
            assert answered.status_code == 200, (where, answered.json())
            got = answered.json()
            assert (got["outcome"], _evaluated(got["criteria"]), got["policy_version"], got["as_at"]) == (
                expected["outcome"], _evaluated(expected["criteria"]), expected["policy_version"],
                expected["as_at"]), where

        try:
            boxes = _boxes(policy, case)
        except NotTypeable as why:
            assert "errors" in expected, f"{where}: the rules accept answers the checker cannot hold ({why})"
            continue
        typed += 1
        page = client.post(f"/rules/{scheme_id}/check/", boxes)
        assert page.status_code == 200, where
        if "errors" in expected:
            assert page.context.get("errors"), f"{where}: the checker accepted answers the rules refuse"
            assert "evaluation" not in page.context, where
        else:
            assert not page.context.get("errors"), (where, page.context.get("errors"))
            evaluation = page.context["evaluation"]
            assert (evaluation.outcome.value, _evaluated([c.as_json() for c in evaluation.criteria]),
                    evaluation.policy_version, evaluation.as_at.isoformat()) == (
                expected["outcome"], _evaluated(expected["criteria"]), expected["policy_version"],
                expected["as_at"]), where
    assert typed > 30 and refused > 10, (typed, refused)
