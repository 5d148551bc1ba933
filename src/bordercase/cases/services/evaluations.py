"""Applying a scheme's rules to stored requests: checking answers, recording evaluations, what-if input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from django.utils import timezone

from bordercase.cases.lifecycle import State
from bordercase.cases.models import Evaluation, Request, Scheme
from bordercase.lib.errors import InvalidInput
from bordercase.policy.answers import InvalidAnswers
from bordercase.policy.anzsco import OCCUPATION_FOUND
from bordercase.policy.loader import schemes
from bordercase.policy.parameters import ParameterNotInForce
from bordercase.policy.scheme import Scheme as Policy


def policy_of(scheme: Scheme) -> Policy | None:
    """The scheme's rules; None for a scheme that has none in the policy package (it is assessed by people)."""
    return schemes().get(scheme.code)


def answers_check(scheme: Scheme, answers: Any, *, partial: bool) -> None:
    """Refuse answers the scheme's questions do not allow, naming each field as ``answers.<name>``."""
    policy = policy_of(scheme)
    if policy is None:
        return
    try:
        policy.check(answers, partial=partial)
    except InvalidAnswers as exc:
        raise InvalidInput({f"answers.{e.field}": f"{e.field} {e.message} ({e.rule})." for e in exc.errors}) from exc


def evaluation_new(request: Request) -> Evaluation | None:
    """The evaluation of a request being lodged, as at today in New Zealand, not yet saved; None for a scheme with
    no rules. ``request.answers`` gains ``lodged_on``.

    ``lodged_on`` is set here, never taken from the applicant, so nobody can choose the rules that apply.
    """
    policy = policy_of(request.scheme)
    if policy is None:
        return None
    lodged_on = timezone.localdate()
    answers = dict(request.answers)
    if "lodged_on" in policy.questions:
        answers["lodged_on"] = lodged_on.isoformat()
    try:
        evaluation = policy.evaluate(policy.check(answers), lodged_on)
    except InvalidAnswers as exc:
        raise InvalidInput({f"answers.{e.field}": f"{e.field} {e.message} ({e.rule}). Correct it before lodging."
                            for e in exc.errors}) from exc
    except ParameterNotInForce as exc:
        raise InvalidInput({"scheme": f"{request.scheme.title} has no rules in force today: {exc}"}) from exc
    request.answers = answers
    return Evaluation(request=request, policy_version=evaluation.policy_version, as_at=evaluation.as_at,
                      outcome=evaluation.outcome.value, criteria=evaluation.as_json()["criteria"], answers=answers)


def evaluation_latest(request: Request) -> Evaluation | None:
    return request.evaluations.order_by("-created_at", "-pk").first()


def lodged_answers(policy: Policy) -> Iterator[tuple[str, Mapping[str, Any], dt.date | None]]:
    """Every lodged request under the scheme, with its checked answers (and the occupation an assessor found, which
    the rules read over the rest), for a what-if."""
    rows = (Request.objects.filter(scheme__code=policy.id).exclude(status=State.DRAFT.value)
            .order_by("pk").values_list("reference", "answers", "lodged_at", "occupation_finding__code"))
    for reference, answers, lodged_at, found in rows.iterator(chunk_size=2000):
        try:
            checked = policy.check(answers)
        except InvalidAnswers:
            continue  # stored before the scheme's questions changed; a what-if cannot evaluate it
        if found:
            checked[OCCUPATION_FOUND] = found
        yield reference, checked, None if "lodged_on" in checked else timezone.localdate(lodged_at)
