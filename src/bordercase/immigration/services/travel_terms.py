"""What a scheme asks of a request to travel, read from its policy: how many days of managed isolation, the
oldest a dependent child may be, whether the signed employment agreement is required, and who may pay for
isolation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bordercase.cases.models import Scheme
from bordercase.cases.services.evaluations import policy_of
from bordercase.immigration.models import TravelRequest
from bordercase.policy.parameters import ParameterNotInForce
from bordercase.policy.scheme import Scheme as Policy

# A scheme without these parameters (the expressions of interest, and schemes with no policy folder) gets
# Immigration NZ's general terms: the same values the two worker schemes carry, from the same sources.
_ISOLATION_DAYS = 14
_CHILD_MAX_AGE = 24
_CHILD_AGE_SOURCE = "Immigration NZ Operational Manual F4.20.1 / F5, definition of a dependent child"

# The policy files say "individual" for the person travelling; on the request to travel that is the worker.
_PAYER = {"employer": TravelRequest.PaidBy.EMPLOYER, "sponsoring_agency": TravelRequest.PaidBy.SPONSORING_AGENCY,
          "individual": TravelRequest.PaidBy.WORKER}


@dataclass(frozen=True)
class TravelTerms:
    isolation_days: int
    child_max_age: int
    child_age_source: str  # where the age limit comes from, quoted in the error a too-old child gets
    needs_employment_agreement: bool
    paid_by: tuple[tuple[str, str], ...]  # (value, label) of who may pay for managed isolation


def _cited(reference: str) -> str:
    # A parameter's reference names its source before the first ": " and quotes it after.
    return reference.split(": ", 1)[0].strip()


def _value(policy: Policy, name: str, as_at: dt.date) -> Any:
    """The parameter's value as at the date; None if the scheme has no such parameter, or none in force yet."""
    if name not in policy.parameters:
        return None
    try:
        return policy.value(name, as_at)
    except ParameterNotInForce:
        return None


def terms_of(scheme: Scheme, as_at: dt.date) -> TravelTerms:
    """The scheme's terms for a request to travel made on ``as_at``."""
    policy = policy_of(scheme)
    every_payer = tuple((p.value, p.label) for p in TravelRequest.PaidBy)
    if policy is None:
        return TravelTerms(_ISOLATION_DAYS, _CHILD_MAX_AGE, _CHILD_AGE_SOURCE, False, every_payer)
    isolation = policy.steps.managed_isolation
    days = _value(policy, "isolation_days", as_at)
    if days is None:
        days = isolation.days if isolation else _ISOLATION_DAYS
    age, source = _value(policy, "dependent_child_max_age", as_at), _CHILD_AGE_SOURCE
    if age is None:
        age = _CHILD_MAX_AGE
    else:
        source = _cited(policy.parameters["dependent_child_max_age"].at(as_at).reference)
    needs = bool(_value(policy, "travel_needs_employment_agreement", as_at))
    payers = every_payer
    if isolation is not None:
        chosen = [_PAYER[p] for p in isolation.paid_by if p in _PAYER]
        payers = tuple((p.value, p.label) for p in chosen) or every_payer
    return TravelTerms(int(days), int(age), source, needs, payers)
