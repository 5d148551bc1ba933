"""One way to find a request for someone: by its reference as they typed it, if they may see it, in the capacity
asked for; anything else is one NotFound, which the pages and the API both answer as 404."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from bordercase.accounts.roles import require_role
from bordercase.cases.access import request_get
from bordercase.cases.lifecycle import Party
from bordercase.cases.models import Request
from bordercase.lib.errors import NotFound
from tests.conftest import API, World, signed_in, verified_client


def test_a_reference_typed_loosely_finds_the_request(world: World, lodged: Request) -> None:
    loose = lodged.reference.lower().replace("-", " ")
    assert request_get(world.employer_a, loose) == lodged
    assert request_get(world.employer_a, lodged.reference, as_party=Party.APPLICANT) == lodged


@pytest.mark.parametrize("who", ["employer_b", "assessor_itpnz"])
def test_someone_who_may_not_see_it_is_told_it_is_not_there(world: World, lodged: Request, who: str) -> None:
    with pytest.raises(NotFound, match=f"No request {lodged.reference} that you can see"):
        request_get(world.actor(who), lodged.reference)


def test_seeing_it_in_another_capacity_is_not_enough(world: World, lodged: Request) -> None:
    assert request_get(world.assessor_nztech, lodged.reference) == lodged  # the assessing body sees it
    with pytest.raises(NotFound):
        request_get(world.assessor_nztech, lodged.reference, as_party=Party.APPLICANT)


def test_a_reference_that_cannot_be_one_says_what_to_check(world: World) -> None:
    with pytest.raises(NotFound) as raised:
        request_get(world.employer_a, "BX-!!!!")
    assert isinstance(raised.value, Http404) and str(raised.value)


def test_both_interfaces_answer_another_employers_request_as_404(world: World, lodged: Request,
                                                                 api_client: object) -> None:
    assert signed_in(world.employer_b).get(f"/requests/{lodged.reference}/").status_code == 404
    answer = api_client(world.employer_b).get(f"{API}/requests/{lodged.reference}")  # type: ignore[operator]
    assert answer.status_code == 404 and lodged.reference in answer.json()["message"]
    assert verified_client(world.assessor_itpnz).get(f"/requests/{lodged.reference}/").status_code == 404


@pytest.mark.parametrize(("role", "who", "allowed"), [
    ("administrator", "administrator", True), ("administrator", "assessor_nztech", False),
    ("assessor", "assessor_inz", True), ("assessor", "inz_officer", False),
    ("inz_officer", "inz_officer", True), ("inz_officer", "employer_a", False),
])
def test_a_role_gate_lets_its_role_through_and_answers_anyone_else_not_found(
    world: World, role: str, who: str, allowed: bool
) -> None:
    user = world.actor(who)
    if allowed:
        assert require_role(user, role, "work") == user
    else:
        with pytest.raises(NotFound, match="There is no work for you: only"):
            require_role(user, role, "work")


def test_a_role_gate_answers_someone_signed_out_not_found() -> None:
    with pytest.raises(NotFound):
        require_role(AnonymousUser(), "assessor", "assessment queue")
