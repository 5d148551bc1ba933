"""Inputs a fuzzer or an attacker sends: each gets a 4xx naming the field and the rule, nothing is stored, and no
answer is a 500. The API and the pages hold the same bounds on money and dates (policy.bounds)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bordercase.accounts.models import User
from bordercase.api import requests as request_routes
from bordercase.api.api import api
from bordercase.cases.models import Document, Event, Person, Request
from bordercase.lib.throttle import CallRateThrottle
from tests.conftest import ANSWERS, API, World, api_post, request_snapshot, signed_in, verified_client
from tests.test_api import NOMINEE
from tests.test_evidence import pdf_bytes

ClientFor = Callable[[User], Client]
MakeRequest = Callable[..., Request]
TECH = "tech-specialists-2022"


def counts() -> tuple[int, int, int, int]:
    return Request.objects.count(), Person.objects.count(), Event.objects.count(), Document.objects.count()


def assert_refused(response: Any, status: int, field: str, words: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"message", "fields"}
    assert field in body["fields"], body
    assert words in body["fields"][field], body
    return body


# --- null characters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "field"), [
    ({"scheme": TECH, "organisation_nzbn": None, "nominee": {**NOMINEE, "given_names": "Em\x00ily"}},
     "nominee.given_names"),
    ({"scheme": TECH, "answers": {"job_title": "Engineer\x00"}}, "answers.job_title"),
    ({"scheme": "tech\x00"}, "scheme"),
    ({"scheme": TECH, "organisation_nzbn": "9429041000\x00"}, "organisation_nzbn"),
    ({"scheme": TECH, "answers": {"pipeline\x00programmes": ["x"]}}, "answers.pipeline\\u0000programmes"),
])
def test_a_null_character_anywhere_in_a_create_is_refused_naming_the_field(
    world: World, api_client: ClientFor, body: dict[str, Any], field: str
) -> None:
    before = counts()
    response = api_post(api_client(world.employer_a), "/requests", body)
    assert_refused(response, 422, field, "Null characters (U+0000) are not allowed")
    assert counts() == before


def test_a_null_character_in_a_draft_patch_or_a_reason_changes_nothing(
    world: World, api_client: ClientFor, make_request: MakeRequest
) -> None:
    draft = make_request()
    client = api_client(world.employer_a)
    answers = dict(Request.objects.get(pk=draft.pk).answers)
    patched = client.patch(f"{API}/requests/{draft.reference}", {"answers": {"job_title": "\x00"}},
                           content_type="application/json")
    assert_refused(patched, 422, "answers.job_title", "Null characters")
    assert Request.objects.get(pk=draft.pk).answers == answers
    before = request_snapshot(draft)
    lodged = api_post(client, f"/requests/{draft.reference}/transitions/lodge", {"reason": "Ready\x00"})
    assert_refused(lodged, 422, "reason", "Null characters")
    assert request_snapshot(draft) == before


def test_a_null_character_in_a_query_or_path_is_refused(world: World, api_client: ClientFor) -> None:
    client = api_client(world.employer_a)
    assert_refused(client.get(f"{API}/requests", {"scheme": "\x00"}), 422, "scheme", "Null characters")
    assert_refused(client.get(f"{API}/allocation/tech%00/rounds/1"), 422, "path", "Null characters")


def test_the_pages_refuse_a_null_character_too(world: World, make_request: MakeRequest) -> None:
    draft = make_request(with_nominee=False)
    response = signed_in(world.employer_a).post(f"/requests/{draft.reference}/person/", {
        "given_names": "Em\x00ily", "family_name": "Hartley", "dob_day": "3", "dob_month": "9", "dob_year": "1985",
        "nationality": "GBR", "passport_number": "533201987", "email": "emily@example.com"})
    assert response.status_code == 200 and "Null characters are not allowed" in response.content.decode()
    assert Request.objects.get(pk=draft.pk).nominee_id is None


# --- numbers, lengths and files --------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [str(2**63), str(2**64), "9" * 400, "-1"])
def test_an_offset_beyond_any_list_is_a_422_naming_it(world: World, api_client: ClientFor, offset: str) -> None:
    response = api_client(world.employer_a).get(f"{API}/requests", {"offset": offset})
    assert_refused(response, 422, "offset", "Input should be")


@pytest.mark.parametrize("path", ["/allocation/tech-specialists-2022/rounds/99999999999999999999",
                                  "/recommendation-batches/18446744073709551616"])
def test_an_id_beyond_a_64_bit_integer_is_a_422(world: World, api_client: ClientFor, path: str) -> None:
    response = api_client(world.inz_officer).get(f"{API}{path}")
    assert response.status_code == 422 and set(response.json()) == {"message", "fields"}


def test_an_unknown_scheme_code_of_a_megabyte_is_not_echoed_back(world: World, api_client: ClientFor) -> None:
    before = counts()
    response = api_post(api_client(world.employer_a), "/requests", {"scheme": "x" * 1_000_000})
    assert_refused(response, 422, "scheme", "at most 60 characters")
    assert len(response.content) < 1000
    assert counts() == before


def test_an_upload_whose_name_is_a_kilobyte_is_a_400_naming_the_file(
    world: World, api_client: ClientFor, make_request: MakeRequest
) -> None:
    draft = make_request()
    # Written as curl writes it: the name raw in the part's header, 1,004 bytes, more than Django reads of one.
    name = "é" * 500 + ".pdf"
    boundary = "bordercase-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nemployment_agreement\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + pdf_bytes() + f"\r\n--{boundary}--\r\n".encode()
    response = api_client(world.employer_a).generic(
        "POST", f"{API}/requests/{draft.reference}/documents", body,
        content_type=f"multipart/form-data; boundary={boundary}")
    assert_refused(response, 400, "file", "")
    assert "shorter name" in response.json()["message"]
    assert not Document.objects.filter(request=draft).exists()


# --- money and dates: one set of bounds for the API and the pages -----------------------------------------------


@pytest.mark.parametrize(("answers", "field", "words"), [
    ({"annual_salary_nzd": 10**400}, "annual_salary_nzd", "more than any real figure"),
    ({"annual_salary_nzd": 100_000_001}, "annual_salary_nzd", "above the highest allowed, 100000000"),
    ({"annual_salary_nzd": "1e999"}, "annual_salary_nzd", ""),
])
def test_the_api_refuses_a_salary_no_one_earns(
    world: World, api_client: ClientFor, answers: dict[str, Any], field: str, words: str
) -> None:
    before = counts()
    response = api_post(api_client(world.employer_a), "/requests",
                        {"scheme": TECH, "organisation_nzbn": world.org_a.nzbn, "nominee": NOMINEE,
                     "answers": {**ANSWERS[TECH], **answers}})
    body = response.json()
    assert response.status_code == 422, body
    named = [f for f in body["fields"] if field in f]
    assert named and words in body["fields"][named[0]], body
    assert len(response.content) < 2000
    assert counts() == before


@pytest.mark.parametrize(("born", "words"), [("0001-01-01", "within the last 125 years"),
                                            ("2999-01-01", "must be in the past")])
def test_the_api_refuses_a_date_of_birth_no_one_living_has(
    world: World, api_client: ClientFor, born: str, words: str
) -> None:
    before = counts()
    response = api_post(api_client(world.employer_a), "/requests",
                        {"scheme": TECH, "organisation_nzbn": world.org_a.nzbn,
                     "nominee": {**NOMINEE, "date_of_birth": born}})
    assert_refused(response, 422, "nominee.date_of_birth", words)
    assert counts() == before


def test_the_pages_refuse_a_401_digit_salary_and_save_nothing(world: World, make_request: MakeRequest) -> None:
    draft = make_request()
    saved = dict(Request.objects.get(pk=draft.pk).answers)
    response = signed_in(world.employer_a).post(f"/requests/{draft.reference}/questions/",
                                                {"annual_salary_nzd": "1" * 401})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "100,000,000 or less" in page
    assert Request.objects.get(pk=draft.pk).answers == saved


def test_the_pages_refuse_a_date_of_birth_in_year_1(world: World, make_request: MakeRequest) -> None:
    draft = make_request(with_nominee=False)
    response = signed_in(world.employer_a).post(f"/requests/{draft.reference}/person/", {
        "given_names": "Emily", "family_name": "Hartley", "dob_day": "1", "dob_month": "1", "dob_year": "1",
        "nationality": "GBR", "passport_number": "533201987", "email": "emily@example.com"})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page and "year" in page
    assert Request.objects.get(pk=draft.pk).nominee_id is None


# --- every error in one shape -----------------------------------------------------------------------------------


def test_an_unparseable_body_is_a_400_in_the_error_shape(world: World, api_client: ClientFor) -> None:
    response = api_client(world.employer_a).post(f"{API}/requests", b"\x00{not json", content_type="application/json",
                                                 headers={"Idempotency-Key": str(uuid.uuid4())})
    body = assert_refused(response, 400, "body", "Cannot parse request body")
    assert "send JSON" in body["message"]


def test_an_unexpected_failure_is_a_500_in_the_error_shape(
    world: World, api_client: ClientFor, make_request: MakeRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_request()
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(request_routes, "request_out", broken)
    client = api_client(world.employer_a)
    client.raise_request_exception = False
    response = client.get(f"{API}/requests")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "bordercase failed: nothing was changed. Try again; if it goes on, tell "
                                          "the service desk the time.", "fields": {}}


def test_too_many_calls_is_a_429_in_the_error_shape_with_when_to_retry(
    world: World, api_client: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    [throttle] = api.throttle
    assert isinstance(throttle, CallRateThrottle)
    monkeypatch.setattr(throttle, "num_requests", 2)
    monkeypatch.setattr(throttle, "duration", 60)
    client = api_client(world.employer_a)
    answers = [client.get(f"{API}/schemes") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "wait" in answers[2].json()["message"] and int(answers[2]["Retry-After"]) >= 1


# --- the OpenAPI says what the routes answer --------------------------------------------------------------------


@pytest.fixture
def openapi(db: None) -> dict[str, Any]:
    return Client().get(f"{API}/openapi.json").json()


def test_every_operation_lists_its_errors_in_the_one_shape(openapi: dict[str, Any]) -> None:
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert {"429", "500"} <= set(answers), (method, path)
            if operation.get("security"):
                assert "401" in answers, (method, path)
            if "{" in path:
                assert "404" in answers, (method, path)
            if "requestBody" in operation:
                assert {"400", "422"} <= set(answers), (method, path)
            for status, answer in answers.items():
                if int(status) >= 400:
                    assert answer["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorOut"}, (method, path, status)


def test_the_idempotency_key_is_required_where_the_routes_need_it(openapi: dict[str, Any]) -> None:
    def key(path: str) -> dict[str, Any]:
        return next(p for p in openapi["paths"][path]["post"]["parameters"] if p["name"] == "Idempotency-Key")

    assert key("/api/v1/requests")["required"] is True
    assert key("/api/v1/requests/{reference}/transitions/lodge")["required"] is True
    assert key("/api/v1/requests/{reference}/transitions/{name}")["required"] is False


def test_the_openapi_lists_the_document_kinds_and_the_shapes_of_files_and_statistics(openapi: dict[str, Any]
                                                                                   ) -> None:
    upload = openapi["paths"]["/api/v1/requests/{reference}/documents"]["post"]["requestBody"]
    form = upload["content"]["multipart/form-data"]["schema"]
    kinds = (form["properties"]["kind"].get("enum")
             or openapi["components"]["schemas"][form["properties"]["kind"]["$ref"].rsplit("/", 1)[1]]["enum"])
    assert {"employment_agreement", "supporting_evidence", "pipeline_evidence"} <= set(kinds)
    summary = openapi["paths"]["/api/v1/stats/summary"]["get"]["responses"]["200"]["content"]["application/json"]
    assert summary["schema"] == {"$ref": "#/components/schemas/SummaryOut"}
    export = openapi["paths"]["/api/v1/recommendation-batches/{batch_id}/export.csv"]["get"]["responses"]["200"]
    assert set(export["content"]) == {"text/csv"}
    files = openapi["paths"]["/api/v1/allocation/{code}/rounds/{number}/files/{name}"]["get"]["responses"]["200"]
    assert set(files["content"]) == {"text/csv", "application/json"}


@pytest.mark.parametrize(("as_at", "words"), [("0001-01-01", "before 1900"), ("2020-13-01", "YYYY-MM-DD"),
                                              ("\x00", "Null characters")])
def test_the_statistics_refuse_a_date_before_any_record(db: None, as_at: str, words: str) -> None:
    response = Client().get(f"{API}/stats/summary", {"as_at": as_at})
    assert_refused(response, 422, "as_at", words)


# --- the pages' own query strings -------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    {"scheme": "\x00"}, {"status": "\x00"}, {"outcome": "\x00"}, {"assignee": "\x00"}, {"sort": "\x00"},
    {"waited": "9" * 40}, {"waited": "\x00"}, {"page": "9" * 40}, {"scheme": "x" * 100_000},
])
def test_the_assessment_queue_answers_any_filter_without_failing(world: World, query: dict[str, str]) -> None:
    response = verified_client(world.assessor_nztech).get("/assessment/", query)
    page = response.content.decode()
    if any("\x00" in value for value in query.values()):
        assert response.status_code == 400 and "There is a problem with the web address" in page
    else:
        assert response.status_code == 200 and "Assessment queue" in page


@pytest.mark.parametrize("page", ["\x00", "9" * 40, "-1"])
def test_the_requests_list_answers_any_page_number(world: World, page: str) -> None:
    response = signed_in(world.employer_a).get("/requests/", {"page": page})
    assert response.status_code == (400 if "\x00" in page else 200)
