"""Who looked (issue 20 item 2): every staff view of a request's personal details is recorded, once, with who, for
which body, what and how; the applicant and the worker see which bodies looked and when; administrators search."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.accounts.organisations import organisation_by_code
from bordercase.cases.models import Document, Request
from bordercase.cases.services.documents import document_add
from bordercase.immigration.services.recommendations import batch_send
from bordercase.privacy import reads
from bordercase.privacy.reads import StaffRead
from tests.conftest import API, World, signed_in
from tests.immigration_support import allocated, recommended, travelling
from tests.test_evidence import pdf_bytes
from tests.walking import walk, worker_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def with_evidence(world: World, make_request: Callable[..., Request]) -> tuple[Request, Document]:
    """Kōwhai Software's tech nomination with its employment agreement, lodged and being assessed by NZTech."""
    draft = make_request()
    document = document_add(request=draft, kind="employment_agreement",
                            upload=SimpleUploadedFile("agreement.pdf", pdf_bytes(), content_type="application/pdf"),
                            by=world.employer_a)
    found = walk(draft, [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech)])
    return found, document


def _only_read() -> StaffRead:
    [read] = StaffRead.objects.all()
    return read


def _inserts(queries: CaptureQueriesContext) -> int:
    return sum(1 for q in queries.captured_queries
               if q["sql"].lstrip().upper().startswith("INSERT") and StaffRead._meta.db_table in q["sql"])


# --- each staff path records one row -------------------------------------------------------------------------------


def test_the_assessors_request_page_records_one_read_by_the_assessor_for_their_body(
        world: World, with_evidence: tuple[Request, Document]) -> None:
    found, _ = with_evidence
    client = signed_in(world.assessor_nztech)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("web:assess", args=[found.reference])).status_code == 200
    read = _only_read()
    assert (read.request_id, read.reference, read.reader_id, read.reader_email) == (
        found.pk, found.reference, world.assessor_nztech.pk, world.assessor_nztech.email)
    assert read.body == organisation_by_code("nztech")
    assert (read.capacity, read.channel) == ("assessor", "web")
    assert read.what == "request details: assessor's request page"
    assert timezone.now() - read.at < dt.timedelta(minutes=1)
    assert _inserts(queries) == 1


def test_the_assessors_page_shown_again_with_errors_is_a_read_too(
        world: World, with_evidence: tuple[Request, Document]) -> None:
    found, _ = with_evidence
    response = signed_in(world.assessor_nztech).post(reverse("web:assess-decide", args=[found.reference]), {})
    assert response.status_code == 200
    assert _only_read().what == "request details: assessor's request page"


@pytest.mark.parametrize(("persona", "capacity", "body"), [
    ("assessor_nztech", "assessor", "nztech"), ("inz_officer", "inz_officer", "inz"),
    ("administrator", "administrator", "mbie")])
def test_the_request_page_records_a_staff_read_with_the_body_the_reader_acts_for(
        world: World, with_evidence: tuple[Request, Document], persona: str, capacity: str, body: str) -> None:
    found, _ = with_evidence
    assert signed_in(world.actor(persona)).get(reverse("web:request", args=[found.reference])).status_code == 200
    read = _only_read()
    assert (read.reader_id, read.capacity, read.body, read.what) == (
        world.actor(persona).pk, capacity, organisation_by_code(body), "request details: request page")


def test_an_evidence_download_by_staff_records_the_document(
        world: World, with_evidence: tuple[Request, Document]) -> None:
    found, document = with_evidence
    response = signed_in(world.assessor_nztech).get(reverse("web:document", args=[found.reference, document.pk]))
    assert response.status_code == 200
    read = _only_read()
    assert read.what == f"evidence: employment_agreement {document.pk}"
    assert (read.capacity, read.channel, read.reference) == ("assessor", "web", found.reference)


def test_a_download_of_a_foreign_document_records_nothing(
        world: World, with_evidence: tuple[Request, Document]) -> None:
    found, _ = with_evidence
    client = signed_in(world.assessor_itpnz)
    assert client.get(reverse("web:document", args=[found.reference, 1])).status_code == 404
    assert client.get(reverse("web:assess", args=[found.reference])).status_code == 404
    assert not StaffRead.objects.exists()


def test_the_applicants_and_the_workers_own_views_record_nothing(
        world: World, with_evidence: tuple[Request, Document]) -> None:
    found, document = with_evidence
    worker = worker_account(found)
    for user in (world.employer_a, worker):
        client = signed_in(user)
        assert client.get(reverse("web:request", args=[found.reference])).status_code == 200
        assert client.get(reverse("web:document", args=[found.reference, document.pk])).status_code == 200
    api = Client(headers={"Authorization": f"Bearer {_token(world.employer_a)}"})
    assert api.get(f"{API}/requests/{found.reference}").status_code == 200
    assert api.get(f"{API}/requests").status_code == 200
    assert api.get(f"{API}/requests/{found.reference}/documents").status_code == 200
    assert not StaffRead.objects.exists()


def test_an_individuals_views_of_their_own_request_record_nothing_and_an_officers_do(
        world: World, make_request: Callable[..., Request]) -> None:
    found = walk(make_request(scheme="eoi-family-2020", by=world.individual, body="inz"),
                 [("lodge", world.individual)])
    assert signed_in(world.individual).get(reverse("web:request", args=[found.reference])).status_code == 200
    assert _api(world.individual).get(f"{API}/requests/{found.reference}").status_code == 200
    assert not StaffRead.objects.exists()
    assert signed_in(world.inz_officer).get(reverse("web:request", args=[found.reference])).status_code == 200
    assert _only_read().capacity == "inz_officer"


def test_the_visa_decision_page_records_a_passport_read_by_immigration_nz(world: World) -> None:
    found = travelling(world, recommended(world))
    StaffRead.objects.all().delete()
    assert signed_in(world.inz_officer).get(reverse("web:inz-visa", args=[found.reference])).status_code == 200
    read = _only_read()
    assert (read.what, read.capacity, read.body) == (
        "passport and family details: visa decision page", "inz_officer", organisation_by_code("inz"))


def _batch_of_two(world: World) -> Any:
    first, second = allocated(world), allocated(world)
    return batch_send(scheme=first.scheme, body=first.assessing_body, requests=[first, second],
                      by=world.assessor_nztech)


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_a_batch_export_records_each_request_in_it_in_one_insert(world: World, kind: str) -> None:
    batch = _batch_of_two(world)
    client = signed_in(world.inz_officer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("web:recommendation-batch-export", args=[batch.pk, kind]))
    assert response.status_code == 200
    assert _inserts(queries) == 1
    rows = list(StaffRead.objects.order_by("request_id"))
    assert [r.request_id for r in rows] == sorted(batch.requests.values_list("pk", flat=True))
    assert {(r.what, r.capacity, r.reader_id) for r in rows} == {
        (f"recommendation export: batch {batch.pk} ({kind})", "inz_officer", world.inz_officer.pk)}


# --- the API ------------------------------------------------------------------------------------------------------


def _token(user: User) -> str:
    from bordercase.accounts.tokens import token_create

    return token_create(user=user, name="tests")[1]


def _api(user: User) -> Client:
    return Client(headers={"Authorization": f"Bearer {_token(user)}"})


def test_the_api_records_reads_of_a_request_its_assessment_and_its_documents(
        world: World, with_evidence: tuple[Request, Document]) -> None:
    found, _ = with_evidence
    api = _api(world.assessor_nztech)
    for path in (f"/requests/{found.reference}", f"/requests/{found.reference}/assessment",
                 f"/requests/{found.reference}/documents"):
        assert api.get(f"{API}{path}").status_code == 200
    whats = list(StaffRead.objects.order_by("pk").values_list("what", "channel", "capacity"))
    assert whats == [
        (f"request details: GET {API}/requests/{found.reference}", "api", "assessor"),
        ("request details: assessment API", "api", "assessor"),
        (f"evidence: the list of documents: GET {API}/requests/{found.reference}/documents", "api", "assessor"),
    ]


def test_the_api_list_records_one_read_per_request_listed_in_one_insert(
        world: World, make_request: Callable[..., Request]) -> None:
    for _ in range(3):
        walk(make_request(), [("lodge", world.employer_a)])
    api = _api(world.inz_officer)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"{API}/requests?limit=2")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 2
    assert _inserts(queries) == 1
    listed = {item["reference"] for item in response.json()["items"]}
    assert set(StaffRead.objects.values_list("reference", flat=True)) == listed
    assert set(StaffRead.objects.values_list("capacity", "channel")) == {("inz_officer", "api")}


def test_the_api_batch_export_records_each_request(world: World) -> None:
    batch = _batch_of_two(world)
    response = _api(world.assessor_nztech).get(f"{API}/recommendation-batches/{batch.pk}/export.csv")
    assert response.status_code == 200
    assert StaffRead.objects.filter(channel="api", capacity="assessor").count() == 2


# --- the applicant's page -----------------------------------------------------------------------------------------


def test_the_applicant_sees_which_bodies_looked_and_when_but_not_who(
        world: World, with_evidence: tuple[Request, Document]) -> None:
    found, document = with_evidence
    assessor = signed_in(world.assessor_nztech)
    assessor.get(reverse("web:assess", args=[found.reference]))
    assessor.get(reverse("web:document", args=[found.reference, document.pk]))
    signed_in(world.inz_officer).get(reverse("web:request", args=[found.reference]))

    looked = reads.bodies_that_looked(found)
    assert {(lk.body, lk.times) for lk in looked} == {("NZTech", 2), (organisation_by_code("inz").name, 1)}
    nztech = next(lk for lk in looked if lk.body == "NZTech")
    assert set(nztech.what) == {"The request's details", "Evidence uploaded with the request"}
    assert nztech.day == timezone.localdate()

    for user in (world.employer_a, worker_account(found)):
        page = signed_in(user).get(reverse("web:request", args=[found.reference])).content.decode()
        section = page[page.index('id="who-looked"'):]
        assert "NZTech" in section and organisation_by_code("inz").name in section
        assert world.assessor_nztech.email not in section and world.assessor_nztech.full_name not in section
        assert world.inz_officer.full_name not in page and world.inz_officer.email not in page
    # Staff are not shown the list on the request page: they search the record if they may.
    staff_page = signed_in(world.inz_officer).get(reverse("web:request", args=[found.reference])).content.decode()
    assert "Who has looked at this request" not in staff_page


def test_the_applicant_is_told_when_no_one_has_looked(world: World, with_evidence: tuple[Request, Document]) -> None:
    found, _ = with_evidence
    page = signed_in(world.employer_a).get(reverse("web:request", args=[found.reference])).content.decode()
    assert "No one at these organisations has looked" in page


def test_someone_elses_request_answers_404_and_shows_nothing(
        world: World, with_evidence: tuple[Request, Document]) -> None:
    found, _ = with_evidence
    signed_in(world.assessor_nztech).get(reverse("web:assess", args=[found.reference]))
    for user in (world.employer_b, world.individual, world.outsider):
        response = signed_in(user).get(reverse("web:request", args=[found.reference]))
        assert response.status_code == 404
        assert b"NZTech" not in response.content
    assert StaffRead.objects.count() == 1


# --- the administrators' search -------------------------------------------------------------------------------------


@pytest.fixture
def recorded(world: World, with_evidence: tuple[Request, Document], make_request: Callable[..., Request]
             ) -> tuple[Request, Request]:
    """Three reads of Kōwhai's nomination (NZTech twice, Immigration NZ once) and one of another, last week."""
    found, document = with_evidence
    other = walk(make_request(), [("lodge", world.employer_a)])
    assessor = signed_in(world.assessor_nztech)
    assessor.get(reverse("web:assess", args=[found.reference]))
    assessor.get(reverse("web:document", args=[found.reference, document.pk]))
    signed_in(world.inz_officer).get(reverse("web:request", args=[found.reference]))
    signed_in(world.administrator).get(reverse("web:request", args=[other.reference]))
    StaffRead.objects.filter(reference=other.reference).update(at=timezone.now() - dt.timedelta(days=7))
    return found, other


def _search(client: Client, **params: str) -> Any:
    return client.get(reverse("web:admin-reads"), params)


def _day(day: dt.date, name: str) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


def test_administrators_search_the_record_by_each_filter(world: World, recorded: tuple[Request, Request]) -> None:
    found, other = recorded
    admin = signed_in(world.administrator)
    everything = _search(admin)
    assert everything.status_code == 200
    assert everything.context["page"].paginator.count == 4
    by_reference = _search(admin, reference=found.reference.lower().replace("-", " "))
    assert {r.reference for r in by_reference.context["page"]} == {found.reference}
    assert by_reference.context["page"].paginator.count == 3
    by_email = _search(admin, email="MERE@nztech")
    assert {r.reader_email for r in by_email.context["page"]} == {world.assessor_nztech.email}
    by_body = _search(admin, body=str(organisation_by_code("inz").pk))
    assert [r.capacity for r in by_body.context["page"]] == ["inz_officer"]
    today = timezone.localdate()
    recent = _search(admin, **_day(today - dt.timedelta(days=1), "since"))
    assert recent.context["page"].paginator.count == 3
    last_week = _search(admin, **_day(today - dt.timedelta(days=7), "since"), **_day(today - dt.timedelta(days=7),
                                                                                        "until"))
    assert [r.reference for r in last_week.context["page"]] == [other.reference]
    assert world.assessor_nztech.email in everything.content.decode()


def test_the_search_pages_through_the_record(world: World, recorded: tuple[Request, Request]) -> None:
    found, _ = recorded
    StaffRead.objects.bulk_create([StaffRead(request=found, reference=found.reference, reader=world.inz_officer,
                                             reader_email=world.inz_officer.email, capacity="inz_officer",
                                             what="request details: request page", channel="web")
                                   for _ in range(60)])
    admin = signed_in(world.administrator)
    first = _search(admin, reference=found.reference)
    assert len(first.context["page"].object_list) == 50
    second = _search(admin, reference=found.reference, page="2")
    assert len(second.context["page"].object_list) == 13
    assert f"reference={found.reference}&amp;page=2" in first.content.decode()
    assert _search(admin, page="not-a-page").status_code == 200


@pytest.mark.parametrize(("params", "message"), [
    ({"since_day": "32", "since_month": "13", "since_year": "2026"}, "From must be a real date"),
    ({"since_day": "1", "since_year": "2026"}, "From must include a month"),
    ({"reference": "x" * 100_000}, "Request reference must be 20 characters or fewer"),
    ({"reference": "not a reference"}, "Request reference: &#x27;not a reference&#x27; is not a request reference"),
    ({"email": "a" * 10_000}, "Staff email address must be 254 characters or fewer"),
    ({"body": "999999"}, "Choose an organisation from the list"),
    ({"body": "x" * 5000}, "Choose an organisation from the list"),
    ({**_day(dt.date(2026, 3, 2), "since"), **_day(dt.date(2026, 3, 1), "until")},
     "To must be the same day as From or after it"),
])
def test_a_search_that_needs_fixing_says_what_to_fix(world: World, recorded: tuple[Request, Request],
                                                     params: dict[str, str], message: str) -> None:
    admin = signed_in(world.administrator)
    response = _search(admin, **params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert "page" not in response.context or response.context.get("page") is None
    csv_response = admin.get(reverse("web:admin-reads-csv"), params)
    assert csv_response.status_code == 200 and message in csv_response.content.decode()
    assert csv_response["Content-Type"].startswith("text/html")


def test_the_csv_export_holds_every_row_found(world: World, recorded: tuple[Request, Request]) -> None:
    found, _ = recorded
    response = signed_in(world.administrator).get(reverse("web:admin-reads-csv"), {"reference": found.reference})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 3
    assert set(rows[0]) == set(reads.CSV_FIELDS)
    assert {r["reference"] for r in rows} == {found.reference}
    assert {r["reader_email"] for r in rows} == {world.assessor_nztech.email, world.inz_officer.email}


def test_a_cell_a_spreadsheet_would_run_is_made_text(world: World, recorded: tuple[Request, Request]) -> None:
    StaffRead.objects.update(what="=HYPERLINK(\"http://evil.example\")")
    response = signed_in(world.administrator).get(reverse("web:admin-reads-csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["what"] for r in rows} == {"'=HYPERLINK(\"http://evil.example\")"}


@pytest.mark.parametrize("persona", ["assessor_nztech", "inz_officer", "employer_a", "individual", "outsider"])
def test_only_administrators_may_search_the_record(world: World, recorded: tuple[Request, Request],
                                                  persona: str) -> None:
    client = signed_in(world.actor(persona))
    for name in ("web:admin-reads", "web:admin-reads-csv"):
        response = client.get(reverse(name))
        assert response.status_code == 404
        assert b"Who looked at requests" not in response.content and b"reader_email" not in response.content


def test_signed_out_the_search_asks_to_sign_in(world: World) -> None:
    response = Client().get(reverse("web:admin-reads"))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_a_read_survives_its_reader_and_keeps_who(world: World, with_evidence: tuple[Request, Document]) -> None:
    found, _ = with_evidence
    signed_in(world.assessor_nztech).get(reverse("web:assess", args=[found.reference]))
    StaffRead.objects.update(reader=None)
    read = _only_read()
    assert (read.reader_email, read.reference) == (world.assessor_nztech.email, found.reference)


# --- the administrators' API ----------------------------------------------------------------------------------------


def test_administrators_search_the_record_through_the_api(world: World, recorded: tuple[Request, Request]) -> None:
    found, other = recorded
    api = _api(world.administrator)
    everything = api.get(f"{API}/administration/reads").json()
    assert everything["count"] == 4
    assert set(everything["items"][0]) == {"at", "reference", "reader_email", "body", "capacity", "what", "channel"}
    mine = api.get(f"{API}/administration/reads", {"reference": found.reference.lower(), "body": "nztech"}).json()
    assert mine["count"] == 2 and {i["body"] for i in mine["items"]} == {"nztech"}
    week_ago = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    old = api.get(f"{API}/administration/reads", {"since": week_ago, "until": week_ago}).json()
    assert [i["reference"] for i in old["items"]] == [other.reference]
    assert api.get(f"{API}/administration/reads", {"email": "tom@", "limit": 1}).json()["count"] == 1


@pytest.mark.parametrize(("params", "field"), [
    ({"reference": "not a reference"}, "reference"), ({"body": "employer"}, "body"),
    ({"since": "2026-03-02", "until": "2026-03-01"}, "until"), ({"since": "2026-02-31"}, "since"),
    ({"reference": "x" * 5000}, "reference"), ({"email": "x" * 5000}, "email"), ({"limit": "0"}, "limit"),
])
def test_a_bad_api_search_is_refused_naming_the_field(world: World, params: dict[str, str], field: str) -> None:
    response = _api(world.administrator).get(f"{API}/administration/reads", params)
    assert response.status_code == 422
    assert field in response.content.decode()


@pytest.mark.parametrize("persona", ["assessor_nztech", "inz_officer", "employer_a", "individual"])
def test_only_administrators_may_search_the_record_through_the_api(world: World, persona: str) -> None:
    response = _api(world.actor(persona)).get(f"{API}/administration/reads")
    assert response.status_code == 403
    assert "items" not in response.json()


def test_the_applicants_list_is_by_new_zealand_day_newest_first(
        world: World, with_evidence: tuple[Request, Document]) -> None:
    found, _ = with_evidence
    found = Request.objects.select_related("nominee").get(pk=found.pk)
    for _ in range(2):
        reads.record_read(world.assessor_nztech, found, f"{reads.REQUEST_DETAILS}: assessor's request page")
    reads.record_read(world.administrator, found, f"{reads.EXPORT}: batch 7 (csv)")
    # 12:30 am on the 2nd of March in New Zealand is 11:30 am on the 1st in UTC: the applicant's day is the 2nd.
    early = dt.datetime(2026, 3, 2, 0, 30, tzinfo=timezone.get_default_timezone())
    StaffRead.objects.filter(capacity="administrator").update(at=early)
    looked = reads.bodies_that_looked(found)
    assert [(lk.day, lk.body, lk.times, lk.what) for lk in looked] == [
        (timezone.localdate(), "NZTech", 2, ["The request's details"]),
        (dt.date(2026, 3, 2), organisation_by_code("mbie").name, 1,
         ["The details sent to Immigration NZ in a recommendation"]),
    ]


@pytest.mark.parametrize("persona", ["assessor_nztech", "inz_officer", "administrator"])
def test_a_read_costs_one_insert_and_nothing_else(world: World, with_evidence: tuple[Request, Document],
                                                  persona: str) -> None:
    found, _ = with_evidence
    found = Request.objects.select_related("nominee").get(pk=found.pk)
    user = world.actor(persona)
    reads.record_read(user, found, f"{reads.REQUEST_DETAILS}: request page")  # reads the roles and the body once
    with CaptureQueriesContext(connection) as queries:
        reads.record_read(user, found, f"{reads.REQUEST_DETAILS}: request page")
    assert len(queries.captured_queries) == 1 and _inserts(queries) == 1
    assert StaffRead.objects.filter(reader=user).count() == 2
