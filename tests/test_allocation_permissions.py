"""Who may reach each allocation page and API route: for every persona, the expected allow or 404.

Only scheme administrators run rounds; everyone else, assessors and Immigration NZ officers included, is told
nothing exists there. A round's public page, its files and the public API routes are for anyone, signed in or not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bordercase.accounts.models import User
from bordercase.cases.models import AllocationRound, Request, Scheme
from bordercase.cases.services import allocation
from tests.allocation_support import TECH, V1, eligible
from tests.conftest import World

PERSONAS = ["employer_a", "employer_b", "assessor_nztech", "assessor_itpnz", "assessor_inz", "inz_officer",
            "administrator", "individual", "outsider"]
ADMIN_GETS = ["/allocation-rounds/", f"/allocation-rounds/{TECH}/1/"]
ADMIN_POSTS = [f"/allocation-rounds/{TECH}/open/", f"/allocation-rounds/{TECH}/1/freeze/",
               f"/allocation-rounds/{TECH}/1/publish/", f"/allocation-rounds/{TECH}/1/draw/"]
PUBLIC_GETS = ["/allocation/", f"/allocation/{TECH}/1/"]
API_ADMIN = [f"/allocation/{TECH}/rounds", f"/allocation/{TECH}/rounds/1/freeze",
             f"/allocation/{TECH}/rounds/1/publish", f"/allocation/{TECH}/rounds/1/draw"]
API_PUBLIC = ["/allocation/rounds", f"/allocation/{TECH}/rounds/1"]


@pytest.fixture
def open_round(world: World) -> AllocationRound:
    """An open round while intake is still open: every step an administrator tries is refused, so none moves it."""
    eligible(world)
    return allocation.round_open(scheme=Scheme.objects.get(code=TECH), by=world.administrator, protocol=V1)


@pytest.fixture
def page_client(world: World, staff_client: Callable[[User], Client]) -> Callable[[str], Client]:
    def client_for(persona: str) -> Client:
        user = world.actor(persona)
        if persona.startswith(("assessor", "inz", "admin")):
            return staff_client(user)
        client = Client()
        client.force_login(user)
        return client

    return client_for


def state(round_: AllocationRound) -> tuple[Any, ...]:
    fresh = AllocationRound.objects.get(pk=round_.pk)
    return (fresh.status, fresh.commitment, AllocationRound.objects.count(),
            list(Request.objects.order_by("pk").values_list("status", "events_count")))


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_administrators_pages_answer_404_to_everyone_but_administrators(
    world: World, open_round: AllocationRound, page_client: Callable[[str], Client], persona: str
) -> None:
    client = page_client(persona)
    allowed = persona == "administrator"
    before = state(open_round)
    for path in ADMIN_GETS:
        status = client.get(path).status_code
        assert status == (200 if allowed else 404), (path, persona, status)
    for path in ADMIN_POSTS:
        response = client.post(path, {})
        assert response.status_code == (200 if allowed else 404), (path, persona, response.status_code)
        if allowed:
            assert "There is a problem" in response.content.decode(), path
    assert state(open_round) == before


@pytest.mark.parametrize("persona", [*PERSONAS, "signed_out"])
def test_a_rounds_public_page_and_files_are_for_everyone(
    world: World, open_round: AllocationRound, page_client: Callable[[str], Client], persona: str
) -> None:
    client = Client() if persona == "signed_out" else page_client(persona)
    for path in PUBLIC_GETS:
        assert client.get(path).status_code == 200, (path, persona)
    assert client.get(f"/allocation/{TECH}/1/entries.csv").status_code == 404  # not published yet
    for path in API_PUBLIC:
        assert client.get("/api/v1" + path).status_code == 200, (path, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_administrator_api_route_answers_404_to_everyone_but_administrators(
    world: World, open_round: AllocationRound, api_client: Callable[[User], Client], persona: str
) -> None:
    client = api_client(world.actor(persona))
    before = state(open_round)
    for path in API_ADMIN:
        response = client.post("/api/v1" + path, data=json.dumps({}), content_type="application/json")
        if persona == "administrator":
            # Refused for the round's state (open, intake still open), never for who is asking.
            assert response.status_code in (409, 422), (path, response.status_code)
        else:
            assert response.status_code == 404, (path, persona, response.status_code)
    assert state(open_round) == before


def test_signed_out_visitors_are_sent_to_sign_in_and_the_api_asks_for_a_token(open_round: AllocationRound) -> None:
    client = Client()
    for path in ADMIN_GETS:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    for path in ADMIN_POSTS:
        assert client.post(path, {}).status_code == 302
    for path in API_ADMIN:
        assert client.post("/api/v1" + path, data="{}", content_type="application/json").status_code == 401
    assert AllocationRound.objects.get(pk=open_round.pk).status == "open"


def test_an_administrator_without_the_second_step_is_sent_to_give_it(world: World, open_round: AllocationRound
                                                                       ) -> None:
    client = Client()
    client.force_login(world.administrator)
    for path in ADMIN_GETS:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/account/two-step/set-up/"), path


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_administrators_are_offered_the_allocation_rounds_in_the_menu(
    world: World, page_client: Callable[[str], Client], persona: str
) -> None:
    text = page_client(persona).get("/").content.decode()
    assert ('href="/allocation-rounds/"' in text) == (persona == "administrator")
    assert 'href="/allocation/"' in text  # the public rounds, in the footer for everyone
