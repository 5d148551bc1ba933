"""Who may reach each assessment page and API route: for every role and organisation, the expected allow or 404.

A request is assessed only at its own body: NZTech's assessor cannot see IT Professionals NZ's requests, nor
theirs NZTech's, and Immigration NZ's assessor sees only the schemes Immigration NZ assesses. Officers and
administrators see lodged requests, but do not assess them. Nobody is told a request exists that they may not see.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bordercase.accounts.models import User
from bordercase.cases.models import Request
from bordercase.cases.services import assessment
from tests.conftest import World, draft_made
from tests.walking import walk

PERSONAS = ["employer_a", "employer_b", "assessor_nztech", "assessor_itpnz", "assessor_inz", "inz_officer",
            "administrator", "individual", "outsider"]
# Each request is assessed by one body, whose assessor alone may work on it.
REQUESTS = {"nztech": "assessor_nztech", "itpnz": "assessor_itpnz", "inz": "assessor_inz"}

PAGE_GETS = ["/assessment/requests/{ref}/"]
PAGE_POSTS = ["/assessment/requests/{ref}/assign/", "/assessment/requests/{ref}/findings/",
              "/assessment/requests/{ref}/decision/", "/assessment/requests/{ref}/second-assessor/",
              "/assessment/requests/{ref}/information/"]
API_ROUTES = [
    ("get", "/requests/{ref}/assessment"), ("post", "/requests/{ref}/assessment/claim"),
    ("post", "/requests/{ref}/assessment/assign"), ("put", "/requests/{ref}/assessment/findings"),
    ("post", "/requests/{ref}/assessment/decision"), ("post", "/requests/{ref}/assessment/decision/confirm"),
    ("post", "/requests/{ref}/assessment/decision/send-back"),
    ("post", "/requests/{ref}/assessment/information-request"),
]
API_BODIES = {"/assessment/assign": {"assignee": None}, "/assessment/findings": {"findings": {}},
              "/assessment/decision": {"decision": ""}, "/send-back": {"note": ""},
              "/assessment/information-request": {"text": ""}}


@pytest.fixture(scope="module")
def module_requests(module_world: World, django_db_blocker: Any) -> dict[str, Request]:
    """One request at each body, claimed by its assessor, so every route has something to act on: made once for
    the module, inside module_world's transaction; each test's own changes roll back."""
    world = module_world
    with django_db_blocker.unblock():
        made = {
            "nztech": draft_made(world),
            "itpnz": draft_made(world, body="itpnz"),
            "inz": draft_made(world, scheme="other-essential-worker-2020", body="inz"),
        }
        for body, request in made.items():
            walk(request, [("lodge", world.employer_a)])
            assessment.request_claim(request=request, by=world.actor(REQUESTS[body]))
    return made


@pytest.fixture
def in_assessment(module_requests: dict[str, Request], db: None) -> dict[str, Request]:
    return {body: Request.objects.get(pk=request.pk) for body, request in module_requests.items()}


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


def _body_for(path: str) -> dict[str, Any]:
    return next((body for suffix, body in API_BODIES.items() if path.endswith(suffix)), {})


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("body", list(REQUESTS))
def test_the_assessor_page_and_its_forms_answer_404_to_everyone_but_the_bodys_assessors(
    world: World, in_assessment: dict[str, Request], page_client: Callable[[str], Client], persona: str, body: str
) -> None:
    request = in_assessment[body]
    before = (Request.objects.get(pk=request.pk).events_count, Request.objects.get(pk=request.pk).status)
    client = page_client(persona)
    allowed = persona == REQUESTS[body]
    for path in PAGE_GETS:
        status = client.get(path.format(ref=request.reference)).status_code
        assert status == (200 if allowed else 404), (path, persona, body, status)
    for path in PAGE_POSTS:
        # An empty form: the assessor is shown the page again with what is missing, anyone else is told nothing.
        response = client.post(path.format(ref=request.reference), {})
        assert response.status_code == (200 if allowed else 404), (path, persona, body, response.status_code)
        if allowed:
            assert "There is a problem" in response.content.decode(), path
    fresh = Request.objects.get(pk=request.pk)
    assert (fresh.events_count, fresh.status) == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("body", list(REQUESTS))
def test_every_assessment_api_route_answers_404_to_everyone_but_the_bodys_assessors(
    world: World, in_assessment: dict[str, Request], api_client: Callable[[User], Client], persona: str, body: str
) -> None:
    request = in_assessment[body]
    client = api_client(world.actor(persona))
    allowed = persona == REQUESTS[body]
    for method, path in API_ROUTES:
        url = "/api/v1" + path.format(ref=request.reference)
        if method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(url, data=json.dumps(_body_for(path)), content_type="application/json")
        if allowed:
            assert response.status_code in (200, 422), (method, path, persona, response.status_code)
        else:
            assert response.status_code == 404, (method, path, persona, response.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_queue_is_there_only_for_assessors(
    world: World, in_assessment: dict[str, Request], page_client: Callable[[str], Client],
    api_client: Callable[[User], Client], persona: str
) -> None:
    is_assessor = persona in REQUESTS.values()
    page = page_client(persona).get("/assessment/")
    assert page.status_code == (200 if is_assessor else 404)
    listed = api_client(world.actor(persona)).get("/api/v1/assessment/queue")
    assert listed.status_code == (200 if is_assessor else 404)
    bulk = api_client(world.actor(persona)).post(
        "/api/v1/assessment/assign", data=json.dumps({"references": [], "assignee": None}),
        content_type="application/json")
    assert bulk.status_code == (422 if is_assessor else 404)
    if is_assessor:
        own = {body for body, who in REQUESTS.items() if who == persona}
        assert {i["reference"] for i in listed.json()["items"]} == {in_assessment[b].reference for b in own}
        text = page.content.decode()
        for body, request in in_assessment.items():
            assert (request.reference in text) == (body in own)


def test_an_itpnz_assessor_cannot_bulk_assign_or_claim_an_nztech_request(
    world: World, in_assessment: dict[str, Request], page_client: Callable[[str], Client],
    api_client: Callable[[User], Client]
) -> None:
    nztech = in_assessment["nztech"]
    before = Request.objects.get(pk=nztech.pk).assignee_id
    bulk = api_client(world.assessor_itpnz).post(
        "/api/v1/assessment/assign", data=json.dumps({"references": [nztech.reference],
                                                      "assignee": world.assessor_itpnz.email}),
        content_type="application/json")
    assert bulk.status_code == 404
    page = page_client("assessor_itpnz").post("/assessment/assign/", {"claim": nztech.reference})
    assert page.status_code == 404
    page = page_client("assessor_itpnz").post("/assessment/assign/", {"requests": [nztech.reference],
                                                                     "assignee": world.assessor_itpnz.pk})
    assert page.status_code == 404
    assert Request.objects.get(pk=nztech.pk).assignee_id == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_applicant_answers_an_information_request(
    world: World, in_assessment: dict[str, Request], page_client: Callable[[str], Client],
    api_client: Callable[[User], Client], persona: str
) -> None:
    request = in_assessment["nztech"]
    assessment.information_request(request=request, by=world.assessor_nztech, text="Send the agreement.")
    allowed = persona == "employer_a"
    page = page_client(persona).get(f"/requests/{request.reference}/answer/")
    assert page.status_code == (200 if allowed else 404)
    response = api_client(world.actor(persona)).post(
        f"/api/v1/requests/{request.reference}/information", data=json.dumps({"text": ""}),
        content_type="application/json")
    assert response.status_code == (422 if allowed else 404)
    assert Request.objects.get(pk=request.pk).status == "info_requested"


def test_signed_out_visitors_are_sent_to_sign_in_and_the_api_asks_for_a_token(
    in_assessment: dict[str, Request]
) -> None:
    client = Client()
    reference = in_assessment["nztech"].reference
    for path in ["/assessment/", *(p.format(ref=reference) for p in PAGE_GETS)]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    for method, path in API_ROUTES:
        url = "/api/v1" + path.format(ref=reference)
        response = client.get(url) if method == "get" else getattr(client, method)(
            url, data="{}", content_type="application/json")
        assert response.status_code == 401
