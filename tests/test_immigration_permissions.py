"""Who may reach each Immigration NZ page and API route: for every persona, the expected allow or 404.

Recommending is for assessors at a body that recommends (NZTech, IT Professionals NZ) and administrators; the
batches are for Immigration NZ officers, administrators and the sending body's assessors; invitations and visa
decisions are for Immigration NZ officers alone (not Immigration NZ's assessors). Nobody is told that a batch or
request exists that they may not see, and a refused form changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from bordercase.accounts.models import User
from bordercase.cases.models import Request
from bordercase.immigration.models import Invitation, RecommendationBatch, VisaDecision
from bordercase.immigration.services.recommendations import batch_send
from tests.conftest import World
from tests.immigration_support import PARTNER_PASSPORT, allocated, recommended, travelling

PERSONAS = ["employer_a", "employer_b", "assessor_nztech", "assessor_itpnz", "assessor_inz", "inz_officer",
            "administrator", "individual", "outsider"]
RECOMMENDERS = {"assessor_nztech", "assessor_itpnz", "administrator"}
BATCH_READERS = {"inz_officer", "administrator", "assessor_nztech", "assessor_itpnz"}
NZTECH_BATCH_READERS = {"inz_officer", "administrator", "assessor_nztech"}
OFFICERS = {"inz_officer"}
# The group of requests each recommender may send (one scheme, one body); anyone else is shown NZTech's.
GROUP = {"assessor_itpnz": "group-tech-specialists-2022-itpnz"}
BODY = {"assessor_itpnz": "itpnz"}


@dataclass
class Scene:
    nztech_allocated: Request
    itpnz_allocated: Request
    batch: RecommendationBatch
    to_invite: Request
    travelling: Request

    def snapshot(self) -> tuple[Any, ...]:
        requests = [Request.objects.get(pk=r.pk) for r in (self.nztech_allocated, self.itpnz_allocated,
                                                           self.to_invite, self.travelling)]
        return ([(r.status, r.events_count) for r in requests], RecommendationBatch.objects.count(),
                Invitation.objects.count(), VisaDecision.objects.count())


@pytest.fixture(scope="module")
def module_scene(module_world: World, django_db_blocker: Any) -> Scene:
    """Made once for the module, inside module_world's transaction: every test here only reads it or is refused."""
    world = module_world
    with django_db_blocker.unblock():
        to_invite = allocated(world)
        batch = batch_send(scheme=to_invite.scheme, body=to_invite.assessing_body, requests=[to_invite],
                           by=world.assessor_nztech)
        return Scene(nztech_allocated=allocated(world), itpnz_allocated=allocated(world, body="itpnz"),
                     batch=batch, to_invite=Request.objects.get(pk=to_invite.pk),
                     travelling=travelling(world, recommended(world)))


@pytest.fixture
def scene(module_scene: Scene, db: None) -> Scene:
    return module_scene


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


def _pages(scene: Scene) -> list[tuple[str, set[str]]]:
    batch, ref = scene.batch.pk, scene.travelling.reference
    return [
        ("/recommendations/", RECOMMENDERS),
        ("/immigration/batches/", BATCH_READERS),
        (f"/immigration/batches/{batch}/", NZTECH_BATCH_READERS),
        (f"/immigration/batches/{batch}/export.csv", NZTECH_BATCH_READERS),
        (f"/immigration/batches/{batch}/export.json", NZTECH_BATCH_READERS),
        ("/immigration/invitations/", OFFICERS),
        ("/immigration/visas/", OFFICERS),
        (f"/immigration/visas/{ref}/", OFFICERS),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_immigration_page_answers_404_to_everyone_it_is_not_for(
    scene: Scene, page_client: Callable[[str], Client], persona: str
) -> None:
    client = page_client(persona)
    for path, allowed in _pages(scene):
        status = client.get(path).status_code
        assert status == (200 if persona in allowed else 404), (path, persona, status)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_immigration_form_refuses_strangers_with_a_404_and_shows_errors_to_those_it_is_for(
    scene: Scene, page_client: Callable[[str], Client], persona: str
) -> None:
    client = page_client(persona)
    before = scene.snapshot()
    forms = [
        ("/recommendations/send/", {"group": GROUP.get(persona, "group-tech-specialists-2022-nztech")},
         RECOMMENDERS, "Choose at least one request to recommend"),
        ("/immigration/invitations/issue/", {}, OFFICERS, "Choose at least one request to invite"),
        (f"/immigration/visas/{scene.travelling.reference}/decide/", {"outcome": "granted"}, OFFICERS,
         "Enter the last day the visa is valid"),
    ]
    for path, data, allowed, problem in forms:
        response = client.post(path, data)
        assert response.status_code == (200 if persona in allowed else 404), (path, persona, response.status_code)
        if persona in allowed:
            text = response.content.decode()
            assert "There is a problem" in text and problem in text, path
    assert scene.snapshot() == before


@pytest.mark.parametrize("persona", sorted(BATCH_READERS | OFFICERS))
def test_foreign_or_unknown_ids_are_not_found(
    scene: Scene, page_client: Callable[[str], Client], persona: str
) -> None:
    client = page_client(persona)
    for path in ("/immigration/batches/999999/", "/immigration/batches/999999/export.csv",
                 f"/immigration/batches/{scene.batch.pk}/export.xml", "/immigration/visas/BX-0000-0000/",
                 "/immigration/visas/not-a-reference/"):
        assert client.get(path).status_code == 404, (path, persona)


def test_a_recommender_cannot_send_another_body_s_requests_and_an_officer_cannot_invite_an_unknown_one(
    scene: Scene, page_client: Callable[[str], Client]
) -> None:
    before = scene.snapshot()
    itpnz = page_client("assessor_itpnz")
    # NZTech's request is not found for IT Professionals NZ, even offered in IT Professionals NZ's own group.
    response = itpnz.post("/recommendations/send/", {"group": "group-tech-specialists-2022-itpnz",
                                                      "requests": [scene.nztech_allocated.reference]})
    assert response.status_code == 404
    assert itpnz.post("/recommendations/send/", {"group": "group-tech-specialists-2022-nztech",
                                                 "requests": [scene.itpnz_allocated.reference]}).status_code == 404
    officer = page_client("inz_officer")
    assert officer.post("/immigration/invitations/issue/", {"invite": "BX-0000-0000"}).status_code == 404
    assert scene.snapshot() == before


def _api_routes(scene: Scene, persona: str) -> list[tuple[str, str, dict[str, Any] | None, set[str], int]]:
    batch, ref = scene.batch.pk, scene.travelling.reference
    body = {"scheme": "tech-specialists-2022", "assessing_body": BODY.get(persona, "nztech"), "references": []}
    return [
        ("post", "/recommendation-batches", body, RECOMMENDERS, 422),
        ("get", "/recommendation-batches", None, BATCH_READERS, 200),
        ("get", f"/recommendation-batches/{batch}", None, NZTECH_BATCH_READERS, 200),
        ("get", f"/recommendation-batches/{batch}/export.csv", None, NZTECH_BATCH_READERS, 200),
        ("get", f"/recommendation-batches/{batch}/export.json", None, NZTECH_BATCH_READERS, 200),
        # The request to travel may not be invited (it was), so an officer is told why: nothing changes.
        ("post", f"/requests/{ref}/invitation", {}, OFFICERS, 422),
        ("post", "/invitations", {"references": []}, OFFICERS, 422),
        ("post", f"/requests/{ref}/visa-decision", {"outcome": "declined", "reasons": ""}, OFFICERS, 422),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_immigration_api_route_answers_404_to_everyone_it_is_not_for(
    world: World, scene: Scene, api_client: Callable[[User], Client], persona: str
) -> None:
    client = api_client(world.actor(persona))
    before = scene.snapshot()
    for method, path, body, allowed, status in _api_routes(scene, persona):
        url = "/api/v1" + path
        response = (client.get(url) if method == "get" else
                    client.post(url, data=json.dumps(body), content_type="application/json"))
        expected = status if persona in allowed else 404
        assert response.status_code == expected, (method, path, persona, response.status_code)
    assert scene.snapshot() == before


def test_the_batches_listed_are_only_those_each_may_read(
    world: World, scene: Scene, api_client: Callable[[User], Client]
) -> None:
    itpnz_batch = batch_send(scheme=scene.itpnz_allocated.scheme, body=scene.itpnz_allocated.assessing_body,
                             requests=[scene.itpnz_allocated], by=world.assessor_itpnz)
    every = set(RecommendationBatch.objects.values_list("pk", flat=True))
    for persona, expected in (("inz_officer", every), ("administrator", every),
                              ("assessor_itpnz", {itpnz_batch.pk}), ("assessor_nztech", every - {itpnz_batch.pk})):
        listed = api_client(world.actor(persona)).get("/api/v1/recommendation-batches").json()
        assert {b["id"] for b in listed["items"]} == expected, persona
    nztech = api_client(world.assessor_nztech)
    assert nztech.get(f"/api/v1/recommendation-batches/{itpnz_batch.pk}").status_code == 404
    refused = nztech.post("/api/v1/recommendation-batches", data=json.dumps({
        "scheme": "tech-specialists-2022", "assessing_body": "itpnz",
        "references": [scene.itpnz_allocated.reference]}), content_type="application/json")
    assert refused.status_code == 404


def test_an_employer_sees_their_nominee_s_journey_but_never_the_family_s_passports(
    world: World, scene: Scene, api_client: Callable[[User], Client], page_client: Callable[[str], Client]
) -> None:
    reference = scene.travelling.reference
    page = page_client("employer_a").get(f"/requests/{reference}/").content.decode()
    assert "Request to travel lodged" in page and PARTNER_PASSPORT not in page and "Anjali" not in page
    answer = api_client(world.employer_a).get(f"/api/v1/requests/{reference}").content.decode()
    assert PARTNER_PASSPORT not in answer and "Anjali" not in answer
    assert page_client("employer_b").get(f"/requests/{reference}/").status_code == 404
    officer_page = page_client("inz_officer").get(f"/immigration/visas/{reference}/").content.decode()
    assert PARTNER_PASSPORT in officer_page and "Anjali" in officer_page


def test_signed_out_visitors_are_sent_to_sign_in_and_the_api_asks_for_a_token(scene: Scene) -> None:
    client = Client()
    for path, _ in _pages(scene):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/"), path
    for method, path, body, _, _ in _api_routes(scene, "outsider"):
        url = "/api/v1" + path
        response = (client.get(url) if method == "get" else
                    client.post(url, data=json.dumps(body), content_type="application/json"))
        assert response.status_code == 401, (method, path)
