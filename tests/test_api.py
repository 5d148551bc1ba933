"""The JSON API at /api/v1, through Django's test client."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest
from django.test import Client

from bordercase.accounts.models import ApiToken, User
from bordercase.accounts.tokens import token_create, token_revoke
from bordercase.cases.chain import GENESIS
from bordercase.cases.models import Event, Person, Request
from bordercase.lib.identifiers import REFERENCE_ALPHABET, reference_normalise
from tests.conftest import API, World, api_post, request_snapshot
from tests.walking import walk

NOMINEE = {"given_names": "Emily", "family_name": "Hartley", "date_of_birth": "1985-09-03", "nationality": "GBR",
           "passport_number": "533201987", "email": "emily.hartley@example.com"}
ClientFor = Callable[[User], Client]






def mistype(reference: str) -> str:
    index = 3  # the first character after "BX-"
    wrong = REFERENCE_ALPHABET[(REFERENCE_ALPHABET.index(reference[index]) + 1) % len(REFERENCE_ALPHABET)]
    return reference[:index] + wrong + reference[index + 1:]




# --- authentication ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Bearer bc_deadbeef_wrong", "Token bc_a_b"])
def test_a_request_without_a_valid_token_is_answered_401_with_a_message(world: World, header: str | None) -> None:
    client = Client(headers={"Authorization": header} if header else {})
    response = client.get(f"{API}/requests")
    assert response.status_code == 401
    assert "Send a valid API token" in response.json()["message"]


def test_a_revoked_token_no_longer_works(world: World) -> None:
    token, text = token_create(user=world.employer_a, name="HR system")
    client = Client(headers={"Authorization": f"Bearer {text}"})
    assert client.get(f"{API}/requests").status_code == 200
    token_revoke(user=world.employer_a, token_id=token.pk)
    response = client.get(f"{API}/requests")
    assert response.status_code == 401 and "revoked" in response.json()["message"]


def test_a_token_of_a_deactivated_user_no_longer_works(world: World) -> None:
    _, text = token_create(user=world.employer_a, name="HR system")
    User.objects.filter(pk=world.employer_a.pk).update(is_active=False)
    assert Client(headers={"Authorization": f"Bearer {text}"}).get(f"{API}/requests").status_code == 401


def test_a_valid_token_works_records_its_use_and_is_stored_only_as_a_hash(world: World) -> None:
    token, text = token_create(user=world.employer_a, name="HR system")
    assert token.last_used_at is None
    response = Client(headers={"Authorization": f"Bearer {text}"}).get(f"{API}/requests")
    assert response.status_code == 200 and response.json() == {"count": 0, "items": []}
    token.refresh_from_db()
    assert token.last_used_at is not None
    secret = text.split("_", 2)[2]
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(secret in str(value) for value in row.values())
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()


# --- what each user can see -------------------------------------------------------------------------------------

REQUEST_ROUTES = [
    ("get", "/requests/{ref}"),
    ("get", "/requests/{ref}/events"),
    ("post", "/requests/{ref}/transitions/withdraw"),
    ("post", "/requests/{ref}/transitions/start_assessment"),
]


@pytest.mark.parametrize(("method", "path"), REQUEST_ROUTES)
def test_another_employer_gets_404_for_every_route_and_changes_nothing(
    world: World, lodged: Request, api_client: ClientFor, method: str, path: str
) -> None:
    before = request_snapshot(lodged)
    client = api_client(world.employer_b)
    url = API + path.format(ref=lodged.reference)
    response = client.get(url) if method == "get" else api_post(client, path.format(ref=lodged.reference))
    assert response.status_code == 404, url
    assert f"No request {lodged.reference} that you can see" in response.json()["message"]
    assert request_snapshot(lodged) == before
    assert api_client(world.employer_a).get(f"{API}/requests/{lodged.reference}").status_code == 200


def test_another_employer_does_not_see_the_request_in_their_list(
    world: World, lodged: Request, api_client: ClientFor
) -> None:
    assert api_client(world.employer_b).get(f"{API}/requests").json() == {"count": 0, "items": []}
    own = api_client(world.employer_a).get(f"{API}/requests").json()
    assert [item["reference"] for item in own["items"]] == [lodged.reference]


def test_an_assessor_sees_only_the_requests_their_body_assesses(
    world: World, lodged: Request, api_client: ClientFor
) -> None:
    other = api_client(world.assessor_itpnz)
    assert other.get(f"{API}/requests/{lodged.reference}").status_code == 404
    assert other.get(f"{API}/requests").json()["count"] == 0
    own = api_client(world.assessor_nztech).get(f"{API}/requests/{lodged.reference}")
    assert own.status_code == 200 and own.json()["transitions_available"] == ["start_assessment"]


@pytest.mark.parametrize("persona", ["assessor_nztech", "inz_officer", "administrator", "employer_b", "outsider"])
def test_nobody_but_the_applicant_sees_a_draft(
    world: World, make_request: Callable[..., Request], api_client: ClientFor, persona: str
) -> None:
    draft = make_request()
    client = api_client(world.actor(persona))
    assert client.get(f"{API}/requests/{draft.reference}").status_code == 404
    assert client.get(f"{API}/requests").json()["count"] == 0
    assert api_client(world.employer_a).get(f"{API}/requests/{draft.reference}").json()["status"] == "draft"


def test_a_mistyped_reference_is_404_saying_it_was_probably_mistyped(
    world: World, lodged: Request, api_client: ClientFor
) -> None:
    response = api_client(world.employer_a).get(f"{API}/requests/{mistype(lodged.reference)}")
    assert response.status_code == 404 and "mistyped" in response.json()["message"]
    loose = api_client(world.employer_a).get(f"{API}/requests/{lodged.reference.lower().replace('-', '')}")
    assert loose.status_code == 200 and loose.json()["reference"] == lodged.reference


# --- creating requests ------------------------------------------------------------------------------------------


def test_an_employer_can_start_a_draft_over_the_api(world: World, api_client: ClientFor) -> None:
    response = api_post(api_client(world.employer_a), "/requests", {
        "scheme": "tech-specialists-2022", "organisation_nzbn": world.org_a.nzbn, "assessing_body": "nztech",
        "nominee": NOMINEE, "answers": {"job_title": "Senior software engineer"}})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert reference_normalise(body["reference"]) == body["reference"]
    assert (body["status"], body["assessing_body"], body["organisation"]) == ("draft", "nztech", world.org_a.name)
    assert body["transitions_available"] == ["lodge"]
    stored = Request.objects.get(reference=body["reference"])
    assert (stored.organisation, stored.created_by, stored.nominee.passport_number) == (
        world.org_a, world.employer_a, "533201987")
    assert list(Event.objects.filter(request=stored).values_list("transition", flat=True)) == ["create"]


@pytest.mark.parametrize(("change", "fields"), [
    pytest.param({"nominee": {**NOMINEE, "nationality": "XXX"}}, {"nominee.nationality"}, id="nationality"),
    pytest.param({"nominee": {**NOMINEE, "passport_number": "ab 1"}}, {"nominee.passport_number"}, id="passport"),
    pytest.param({"nominee": {**NOMINEE, "nationality": "UK", "passport_number": "!"}},
                 {"nominee.nationality", "nominee.passport_number"}, id="both"),
    pytest.param({"nominee": {**NOMINEE, "date_of_birth": "2999-01-01"}}, {"nominee.date_of_birth"}, id="born"),
    pytest.param({"scheme": "tech-2099"}, {"scheme"}, id="unknown-scheme"),
    pytest.param({"assessing_body": "inz"}, {"assessing_body"}, id="wrong-body"),
    pytest.param({"organisation_nzbn": None}, {"organisation"}, id="no-employer"),
    pytest.param({"scheme": "eoi-family-2020", "assessing_body": None}, {"scheme"}, id="employer-under-eoi"),
])
def test_a_create_that_breaks_a_rule_is_422_naming_the_fields_and_stores_nothing(
    world: World, api_client: ClientFor, change: dict[str, Any], fields: set[str]
) -> None:
    body = {"scheme": "tech-specialists-2022", "organisation_nzbn": world.org_a.nzbn, "assessing_body": "nztech",
            "nominee": NOMINEE, **change}
    response = api_post(api_client(world.employer_a), "/requests", body)
    assert response.status_code == 422
    assert set(response.json()["fields"]) == fields
    assert not Request.objects.exists() and not Event.objects.exists() and not Person.objects.exists()


def test_an_employer_cannot_create_a_request_with_another_employers_nzbn(world: World, api_client: ClientFor) -> None:
    response = api_post(api_client(world.employer_b), "/requests", {
        "scheme": "tech-specialists-2022", "organisation_nzbn": world.org_a.nzbn, "assessing_body": "nztech",
        "nominee": NOMINEE})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"organisation_nzbn"}
    assert world.org_a.name not in response.content.decode()
    assert not Request.objects.exists() and not Person.objects.exists()


# --- transitions ------------------------------------------------------------------------------------------------


def test_an_employer_lodges_over_the_api_and_lodging_again_is_409(
    world: World, make_request: Callable[..., Request], api_client: ClientFor
) -> None:
    draft = make_request()
    client = api_client(world.employer_a)
    response = api_post(client, f"/requests/{draft.reference}/transitions/lodge", {"reason": "Ready."})
    assert response.status_code == 200 and response.json()["status"] == "lodged"
    assert response.json()["lodged_at"] is not None
    event = Event.objects.get(request=draft, position=2)
    assert (event.transition, event.actor, event.reason) == ("lodge", world.employer_a, "Ready.")
    before = request_snapshot(draft)

    again = api_post(client, f"/requests/{draft.reference}/transitions/lodge")
    assert again.status_code == 409
    message = again.json()["message"]
    assert draft.reference in message and "is lodged" in message and "(lodge)" in message
    assert request_snapshot(draft) == before


@pytest.mark.parametrize(("persona", "name", "reason", "status", "field"), [
    ("employer_a", "decline", "Not eligible.", 403, None),
    ("assessor_nztech", "decline", "Not eligible.", 403, None),  # decided through the assessment route
    ("assessor_nztech", "find_eligible", "", 403, None),
    ("administrator", "allocate", "", 403, None),  # only a round allocates places
    ("administrator", "promote", "", 403, None),
    ("employer_a", "request_travel", "", 403, None),  # the worker lodges it, with their passport and family
    ("assessor_nztech", "request_information", "", 422, "reason"),
    ("assessor_nztech", "request_information", "   ", 422, "reason"),
    ("assessor_nztech", "approve", "Fine.", 404, None),
    ("assessor_nztech", "create", "", 404, None),
])
def test_a_refused_transition_over_the_api_changes_nothing(
    world: World, lodged: Request, api_client: ClientFor, persona: str, name: str, reason: str, status: int,
    field: str | None,
) -> None:
    request = walk(lodged, [("start_assessment", world.assessor_nztech)])
    before = request_snapshot(request)
    response = api_post(api_client(world.actor(persona)), f"/requests/{request.reference}/transitions/{name}",
                        {"reason": reason})
    assert response.status_code == status
    assert response.json()["message"]
    if field:
        assert set(response.json()["fields"]) == {field}
    assert request_snapshot(request) == before


def test_the_events_endpoint_lists_the_history_oldest_first_with_linked_hashes(
    world: World, lodged: Request, api_client: ClientFor
) -> None:
    walk(lodged, [("start_assessment", world.assessor_nztech), ("decline", world.assessor_nztech)],
         reason="Salary below the threshold.")
    # The assessor reads the whole history: the findings and the decline proposed for a second assessor too.
    response = api_client(world.assessor_nztech).get(f"{API}/requests/{lodged.reference}/events")
    assert response.status_code == 200
    events = response.json()
    assert [e["position"] for e in events] == list(range(1, len(events) + 1))
    transitions = [e["transition"] for e in events]
    assert transitions[:3] == ["create", "lodge", "start_assessment"] and transitions[-2:] == [
        "decline_proposed", "decline"]
    assert events[0]["prev_hash"] == GENESIS
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in pairwise(events))
    assert events[-1]["hash"] == Request.objects.get(pk=lodged.pk).events_head_hash
    assert events[-1]["reason"] == "Salary below the threshold."
    # The employer reads the transitions, not the assessors' working.
    theirs = api_client(world.employer_a).get(f"{API}/requests/{lodged.reference}/events").json()
    assert [e["transition"] for e in theirs] == ["create", "lodge", "start_assessment", "decline"]
    assert theirs[-1]["hash"] == events[-1]["hash"]


# --- documentation and listing ----------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_request_routes(world: World) -> None:
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    paths = response.json()["paths"]
    for path in ("/api/v1/requests", "/api/v1/requests/{reference}", "/api/v1/requests/{reference}/events",
                 "/api/v1/requests/{reference}/transitions/{name}"):
        assert path in paths


def test_the_api_docs_are_an_html_page(world: World) -> None:
    response = Client().get(f"{API}/docs")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert b"openapi.json" in response.content


def test_the_list_paginates_and_filters_by_status(
    world: World, make_request: Callable[..., Request], api_client: ClientFor
) -> None:
    made = [make_request() for _ in range(5)]
    for request in made[:2]:
        walk(request, [("lodge", world.employer_a)])
    client = api_client(world.employer_a)

    pages = [client.get(f"{API}/requests", {"limit": 2, "offset": offset}).json() for offset in (0, 2, 4)]
    assert [page["count"] for page in pages] == [5, 5, 5]
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    seen = [item["reference"] for page in pages for item in page["items"]]
    assert sorted(seen) == sorted(r.reference for r in made)

    lodged = client.get(f"{API}/requests", {"status": "lodged"}).json()
    assert lodged["count"] == 2
    assert {item["reference"] for item in lodged["items"]} == {r.reference for r in made[:2]}
    assert {item["status"] for item in lodged["items"]} == {"lodged"}
    assert client.get(f"{API}/requests", {"status": "invited"}).json() == {"count": 0, "items": []}


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"status": "approved"}])
def test_the_list_refuses_bad_parameters_with_422(world: World, api_client: ClientFor, query: dict[str, Any]) -> None:
    response = api_client(world.employer_a).get(f"{API}/requests", query)
    assert response.status_code == 422
    assert set(response.json()["fields"]) == set(query)


def test_each_schema_of_the_api_has_a_name_of_its_own() -> None:
    # The OpenAPI names each schema by its class: two classes of one name would be one schema there, and every
    # answer of the other would break it (a fuzzer found /requests failing the rules API's EvaluationOut).
    import importlib
    import pkgutil

    from ninja import Schema

    import bordercase.api

    named: dict[str, set[str]] = {}
    for module in pkgutil.iter_modules(bordercase.api.__path__):
        loaded = importlib.import_module(f"bordercase.api.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == loaded.__name__:
                named.setdefault(value.__name__, set()).add(value.__module__)
    assert {name: modules for name, modules in named.items() if len(modules) > 1} == {}
