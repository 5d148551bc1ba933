"""The administrator's what-if over the live pool: the one service behind `bordercase policy simulate` and the
what-if page. Changed parameters are read into their own kinds (``policy.overrides``), every lodged request is
evaluated as the scheme is and as changed (``policy.whatif``), and for a capped scheme the requests waiting for a
place are entered as a round would enter them under each (``cases.places_whatif``). Reads only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from bordercase.ballot import METHODS
from bordercase.cases.allocation import HOLDS_PLACE, category_of
from bordercase.cases.lifecycle import State
from bordercase.cases.models import Request
from bordercase.cases.places_whatif import DRAWS, Places, Waiting, places_whatif
from bordercase.cases.services.allocation import lodged_at_text
from bordercase.cases.services.evaluations import lodged_answers
from bordercase.cases.services.occupations import (
    Found,
    for_rules,
    occupation_in_answers,
    occupations_of,
    with_occupation,
)
from bordercase.lib.errors import InvalidInput
from bordercase.policy.answers import InvalidAnswers
from bordercase.policy.loader import UnknownScheme, scheme, schemes
from bordercase.policy.outcomes import Outcome
from bordercase.policy.overrides import Refusals, changes_read, value_read, value_text
from bordercase.policy.parameters import BadOverride, Dated, ParameterNotInForce
from bordercase.policy.scheme import Scheme as Policy
from bordercase.policy.whatif import WhatIf, simulate


@dataclass(frozen=True)
class Report:
    policy: Policy
    as_at: dt.date | None
    outcomes: WhatIf
    places: Places | None  # for a scheme with capped places

    def as_json(self) -> dict[str, Any]:
        body = self.outcomes.as_json()
        body["as_at"] = self.as_at.isoformat() if self.as_at else None
        if self.places is not None:
            body["places"] = self.places.as_json()
        return body

    def csv(self) -> str:
        """One table a spreadsheet opens: each row a section (outcome, criterion, category, places, chance)."""
        out = io.StringIO()
        rows = csv.writer(out, lineterminator="\n")
        rows.writerow(["section", "name", "from", "to", "requests", "before", "after"])
        for (a, b), n in sorted(self.outcomes.outcomes.items()):
            rows.writerow(["outcome", "", a, b, n, "", ""])
        for (c, a, b), n in sorted(self.outcomes.criteria.items()):
            rows.writerow(["criterion", c, a, b, n, "", ""])
        for (c, a, b), n in sorted(self.outcomes.categories.items()):
            rows.writerow(["category", c, a, b, n, "", ""])
        if self.places is not None:
            rows.writerow(["places", "(all)", "", "", self.places.entries, self.places.before.places,
                           self.places.after.places])
            rows.writerow(["leaving the pool", "(all)", "eligible", "ineligible", self.places.leaving, "", ""])
            for c in self.places.categories:
                rows.writerow(["places", c.category or "(none)", "", "", c.entries_after, f"{c.places_before:.2f}",
                               f"{c.places_after:.2f}"])
            for e in self.places.chances:
                rows.writerow(["chance", e.reference, e.category_before, e.category_after, "",
                               f"{e.chance_before:.4f}", f"{e.chance_after:.4f}"])
        return out.getvalue()


def policy_for_whatif(code: str) -> Policy:
    try:
        return scheme(code)
    except UnknownScheme as exc:
        raise InvalidInput({"scheme": str(exc)}) from exc


def changes_typed(policy: Policy, texts: Iterable[str]) -> dict[str, Any]:
    """``NAME=VALUE[@YYYY-MM-DD]`` each read into the parameter's own kind; ``InvalidInput`` naming each refused
    parameter (and what it must be) otherwise."""
    try:
        changes = changes_read(policy, texts)
        policy.what_if(changes)  # what reading alone cannot see: a part the table has not
    except Refusals as exc:
        raise InvalidInput(exc.by_field()) from exc
    except BadOverride as exc:
        raise InvalidInput({exc.field or "changes": str(exc)}) from exc
    _methods_known(changes)
    return changes


def _methods_known(changes: Mapping[str, Any]) -> None:
    # Any other text would be taken for order of receipt by the round, so it is refused here as it is at opening.
    given = changes.get("allocation_method")
    method = given.value if isinstance(given, Dated) else given
    if method is not None and method not in METHODS:
        raise InvalidInput({"allocation_method": f"allocation_method is one of {' or '.join(METHODS)}, so it cannot "
                                                 f"be set to {method!r}: give ballot or order_of_receipt."})


def changes_given(policy: Policy, given: Mapping[str, str], *, applies_from: dt.date | None) -> dict[str, Any]:
    """The changes a form gives: each parameter's text, those left as the form showed them (today's values,
    ``current_texts``) not changes, so a parameter left alone keeps every dated value of its own. A change applies
    from ``applies_from`` when given, else at every date."""
    currents = current_texts(policy, None)
    changes, refused = {}, {}
    for name, text in given.items():
        if name not in policy.parameters or text.strip() == currents.get(name, "").strip():
            continue
        try:
            value = value_read(policy, name, text, applies_from)
            policy.what_if({name: value})
        except BadOverride as exc:
            refused[name] = str(exc)
        else:
            changes[name] = value
    if refused:
        raise InvalidInput(refused)
    _methods_known(changes)
    return changes


def current_texts(policy: Policy, as_at: dt.date | None) -> dict[str, str]:
    """Each parameter's value as at the date (today without one) as a form shows it; empty if not yet in force."""
    day = as_at or timezone.localdate()
    texts = {}
    for name, parameter in policy.parameters.items():
        try:
            texts[name] = value_text(parameter.at(day).value)
        except ParameterNotInForce:
            texts[name] = ""
    return texts


@dataclass(frozen=True)
class _Pool:
    waiting: list[Waiting]  # as the round reads them: the request's occupation standing as its ANZSCO code
    rules_input: dict[str, tuple[Mapping[str, Any], str | None]]  # by reference: the answers, the assessor's code


def _waiting(policy: Policy) -> _Pool:
    """The requests a round frozen now would enter: eligible, and not for a worker who already holds a place."""
    holders = (Request.objects.filter(scheme__code=policy.id, status__in=HOLDS_PLACE).exclude(worker_identity="")
               .values("worker_identity"))
    requests = list(Request.objects.filter(scheme__code=policy.id, status=State.ELIGIBLE)
                    .exclude(worker_identity__in=holders).order_by("pk")
                    .only("pk", "scheme_id", "reference", "answers", "worker_identity", "organisation_id",
                          "lodged_at", "created_at"))
    # The occupation as freezing reads it (cases.services.occupations), so a nomination coded from its title or by
    # an assessor falls in its category here as it would in the round.
    occupations = occupations_of(requests)
    waiting = [Waiting(r.reference, with_occupation(r.answers, occupations[r.pk]), r.worker_identity,
                       "" if r.organisation_id is None else str(r.organisation_id),
                       lodged_at_text(r),
                       timezone.localdate(r.lodged_at) if r.lodged_at else None) for r in requests]
    found = {r.reference: o.code if o is not None and o.found is Found.ASSESSOR else None
             for r in requests for o in [occupations[r.pk]]}
    return _Pool(waiting, {r.reference: (r.answers, found[r.reference]) for r in requests})


def whatif_run(policy: Policy, changes: Mapping[str, Any], *, as_at: dt.date | None = None, draws: int = DRAWS,
               progress: Callable[[str, int], None] | None = None) -> Report:
    """What the changes do over the live pool: every lodged request's outcome (as at ``as_at``, else its own
    date), and for a capped scheme the places each category can expect and each waiting entry's chance."""
    variant = policy.what_if(changes)
    spec = _category_spec(policy, as_at)
    category = (lambda answers: category_of(_with_found(answers), spec)) if spec else None
    outcomes = simulate(policy, changes, lodged_answers(policy),
                        progress=None if progress is None else (lambda done: progress("evaluated", done)),
                        category=category, as_at=as_at, every=10_000)
    places = None
    if policy.steps.allocation:
        held = Request.objects.filter(scheme__code=policy.id, status__in=HOLDS_PLACE).count()
        pool = _waiting(policy)
        if progress is not None:
            progress("simulating draws for", len(pool.waiting))
        places = places_whatif(pool.waiting, policy, variant, as_at or timezone.localdate(), held, draws,
                               leaving=_found_ineligible(pool, policy, variant, as_at))
    return Report(policy, as_at, outcomes, places)


def _found_ineligible(pool: _Pool, policy: Policy, variant: Policy, as_at: dt.date | None) -> frozenset[str]:
    """The waiting requests the changed rules alone would find ineligible, where the rules as they are did not:
    under the new settings they would not be eligible, so not in the round."""
    leaving = set()
    for waiting in pool.waiting:
        given, found = pool.rules_input[waiting.reference]
        try:
            answers = for_rules(policy.check(given), found)
            day = as_at or answers.get("lodged_on") or waiting.lodged_on
            if (variant.evaluate(answers, day).outcome is Outcome.INELIGIBLE
                    and policy.evaluate(answers, day).outcome is not Outcome.INELIGIBLE):
                leaving.add(waiting.reference)
        except (InvalidAnswers, ParameterNotInForce):
            continue  # answers or dates the rules cannot evaluate: the assessor's finding stands
    return frozenset(leaving)


def _with_found(answers: Mapping[str, Any]) -> Mapping[str, Any]:
    # The request's occupation as freezing reads it (the assessor's finding lodged_answers adds, else the code or
    # the title coded to one occupation) stands as the code the category reads, so the outcomes by category agree
    # with the places and chances.
    return with_occupation(answers, occupation_in_answers(answers))


def _category_spec(policy: Policy, as_at: dt.date | None) -> Mapping[str, Any]:
    if "ballot_category" not in policy.parameters:
        return {}
    try:
        spec: Mapping[str, Any] = policy.value("ballot_category", as_at or timezone.localdate())
    except ParameterNotInForce:
        return {}
    return spec


# What decides a round besides the rules' own parameters: the places, caps, weights, categories and method.
ALLOCATION_PARAMETERS = ("places", "allocation_method", "ballot_category_caps", "ballot_employer_cap",
                         "ballot_weight_by_salary_band", "ballot_category", "order_of_receipt_priority")


def whatif_parameters(policy: Policy) -> list[str]:
    """The parameters whose change can move an outcome (read by a criterion, or making one mandatory) or, under a
    scheme with capped places, a place; in the policy's order."""
    moving = {name for c in policy.criteria for name in (*c.reads, c.mandatory_parameter) if name}
    if policy.steps.allocation:
        moving.update(ALLOCATION_PARAMETERS)
    return [name for name in policy.parameters if name in moving]


def policies_for_whatif() -> list[Policy]:
    """Every scheme whose rules have a parameter to change, by title."""
    return sorted((p for p in schemes().values() if whatif_parameters(p)), key=lambda p: p.title)
