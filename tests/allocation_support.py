"""Setting up allocation rounds for tests: eligible requests, a closed intake, a scheme's places and parameters,
all through the real services."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bordercase.accounts.organisations import organisation_by_code
from bordercase.cases.models import AllocationRound, Person, Request, Scheme
from bordercase.cases.services import allocation, evaluations, rounds
from bordercase.cases.services.requests import request_create
from bordercase.policy import loader
from tests.conftest import ANSWERS, World, nominee
from tests.walking import PUBLIC_VALUE_DECLARATION, close_intake, walk

TECH = "tech-specialists-2022"
# The tests of v1's flow open their rounds so; a round opened without saying is a v2 ballot.
V1 = AllocationRound.Protocol.V1


def eligible(world: World, *, employer: str = "a", answers: dict[str, Any] | None = None,
             person: Person | None = None) -> Request:
    """A tech nomination by Kōwhai Software ("a") or Harbourside Engineering ("b"), lodged and found eligible."""
    user, organisation = (world.employer_a, world.org_a) if employer == "a" else (world.employer_b, world.org_b)
    draft = request_create(by=user, scheme=Scheme.objects.get(code=TECH), organisation=organisation,
                           nominee=person or nominee(), assessing_body=organisation_by_code("nztech"),
                           answers={**ANSWERS[TECH], **(answers or {})})
    return walk(draft, [("lodge", user), ("start_assessment", world.assessor_nztech),
                        ("find_eligible", world.assessor_nztech)])


def override_parameters(monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> None:
    """Replace some of the tech scheme's parameters for the rounds, as an administrator's what-if would."""
    real = loader.schemes()[TECH]
    changed = dataclasses.replace(real, overrides={**real.overrides, **overrides}, _cache={})
    monkeypatch.setattr(rounds, "policy_of",
                        lambda scheme: changed if scheme.code == TECH else evaluations.policy_of(scheme))


def published_round(world: World) -> tuple[AllocationRound, str]:
    """Open, freeze and publish the tech scheme's round; the round and its secret."""
    scheme = Scheme.objects.get(code=TECH)
    close_intake()
    opened = allocation.round_open(scheme=scheme, by=world.administrator, protocol=V1)
    allocation.round_freeze(round_=opened, by=world.administrator)
    published = allocation.round_publish(round_=opened, by=world.administrator,
                                         declaration=PUBLIC_VALUE_DECLARATION)
    return published.round, published.secret


PUBLIC_VALUE = "a5fd1c4b8f9a0e7a3c2b1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a"


def drawn_round(world: World) -> AllocationRound:
    published, secret = published_round(world)
    return allocation.round_draw(round_=published, by=world.administrator, secret=secret, public_value=PUBLIC_VALUE)


def allocated_round(world: World) -> AllocationRound:
    """Open and freeze the tech scheme's round, then publish and draw it unless every entry fitted at the freeze."""
    scheme = Scheme.objects.get(code=TECH)
    close_intake()
    opened = allocation.round_open(scheme=scheme, by=world.administrator, protocol=V1)
    frozen = allocation.round_freeze(round_=opened, by=world.administrator)
    if frozen.status == AllocationRound.Status.ALLOCATED:
        return frozen
    published = allocation.round_publish(round_=frozen, by=world.administrator,
                                         declaration=PUBLIC_VALUE_DECLARATION)
    return allocation.round_draw(round_=published.round, by=world.administrator, secret=published.secret,
                                 public_value=PUBLIC_VALUE)
