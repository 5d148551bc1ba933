"""The schemes' rules for anyone, as the public rules pages and the rules API share them: a scheme's rules as at a
date, and what lodging some answers would find under them, with the trace of every parameter value read.

Nothing here stores anything: the checker and the API evaluate and answer. Refusals are ``InvalidInput`` naming
the field (``as_at``, or ``answers.<question>`` with the rule broken) and ``NotFound`` for a scheme with no rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from bordercase.lib.errors import InvalidInput, NotFound
from bordercase.policy import bounds
from bordercase.policy.answers import InvalidAnswers
from bordercase.policy.editions import RulesAt, rules_at, takes_effect
from bordercase.policy.loader import schemes
from bordercase.policy.parameters import ParameterNotInForce
from bordercase.policy.scheme import Scheme
from bordercase.policy.trace import Traced, evaluate_answers

AS_AT_EXAMPLE = "2022-02-18"


def rules_schemes() -> list[Scheme]:
    """Every scheme with rules, the class exceptions and essential workers first, then the EOI categories."""
    order = {"class_exception": 0, "essential_worker": 1, "eoi_category": 2}
    return sorted(schemes().values(), key=lambda s: (order.get(s.kind, 3), s.title))


def rules_scheme(code: str) -> Scheme:
    found = schemes().get(code)
    if found is None:
        raise NotFound(f"There is no scheme {code[:60]!r} with published rules: the schemes are "
                       f"{', '.join(schemes())}.")
    return found


def rules_today() -> dt.date:
    """Today in New Zealand, whose rules apply when no date is asked for (as at lodging)."""
    return timezone.localdate()


def as_at_read(text: str | None) -> dt.date:
    """A date written YYYY-MM-DD (today in New Zealand when none), or ``InvalidInput`` on ``as_at``."""
    if text is None or not text.strip():
        return rules_today()
    try:
        day = dt.date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        raise InvalidInput({"as_at": f"{text.strip()[:20]!r} is not a date that exists: check the day and the month, "
                                     f"written YYYY-MM-DD, such as {AS_AT_EXAMPLE}."}) from None
    if day is None:
        raise InvalidInput({"as_at": f"Write the date as YYYY-MM-DD, such as {AS_AT_EXAMPLE}."})
    if bounds.date_problem(day):
        raise InvalidInput({"as_at": f"{day.isoformat()} is outside the years bordercase covers: enter a date from "
                                     f"{bounds.EARLIEST_DATE.year} to {bounds.LATEST_DATE.year}, such as "
                                     f"{AS_AT_EXAMPLE}."})
    return day


def rules_as_at(code: str, as_at: dt.date) -> RulesAt:
    return rules_at(rules_scheme(code), as_at)


def eligibility(scheme: Scheme, answers: Any, as_at: dt.date | None) -> Traced:
    """What lodging ``answers`` under ``scheme`` would find as at ``as_at`` (else the answers' ``lodged_on``, else
    today in New Zealand, as lodging would), with its trace; stores nothing."""
    if as_at is None and not (isinstance(answers, dict) and answers.get("lodged_on")):
        as_at = rules_today()
    problem = not_in_force(scheme, as_at) if as_at is not None else ""
    if problem:
        errors = {"as_at": problem}
        try:
            scheme.check(answers)
        except InvalidAnswers as bad:
            errors.update(_answer_errors(bad))
        raise InvalidInput(errors)
    try:
        return evaluate_answers(scheme, answers, as_at)
    except InvalidAnswers as exc:
        raise InvalidInput(_answer_errors(exc)) from exc
    except ParameterNotInForce as exc:
        field = "as_at" if as_at is not None else "answers.lodged_on"
        raise InvalidInput({field: f"The rules of {scheme.title} were not in force then: {exc}"}) from exc


def not_in_force(scheme: Scheme, as_at: dt.date) -> str:
    """What to do when the scheme's rules were not yet in force on ``as_at``; "" when they were."""
    first = takes_effect(scheme)
    if as_at >= first:
        return ""
    return (f"The rules of {scheme.title} were not in force on {as_at:%-d %B %Y}: they took effect on "
            f"{first:%-d %B %Y}. Enter {first:%-d %-m %Y} or later")


def eligibility_asked(scheme: Scheme, answers: Any, as_at: str | None) -> Traced:
    """``eligibility`` with the date as written (YYYY-MM-DD, or None): a bad date and bad answers are refused
    together, so whoever asked can correct everything at once."""
    try:
        day = as_at_read(as_at) if as_at is not None else None
    except InvalidInput as exc:
        errors = dict(exc.errors)
        try:
            scheme.check(answers)
        except InvalidAnswers as bad:
            errors.update(_answer_errors(bad))
        raise InvalidInput(errors) from exc
    return eligibility(scheme, answers, day)


def _answer_errors(exc: InvalidAnswers) -> dict[str, str]:
    return {f"answers.{e.field}": f"{e.field} {e.message} ({e.rule})." for e in exc.errors}
