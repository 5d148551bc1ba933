"""A person's own information back to them (IPP 6): the zip of data.json and their files, for a worker, an
employer and an individual, each holding exactly theirs and nothing of the people planted beside them."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.accounts.organisations import membership_add
from bordercase.accounts.tokens import token_create
from bordercase.cases.models import Document, Request, Scheme
from bordercase.cases.services.documents import document_add, document_kinds
from bordercase.cases.services.requests import request_create
from bordercase.immigration.services import visas
from bordercase.privacy.access import my_data, my_data_zip
from bordercase.privacy.corrections import correction_ask
from tests.conftest import ANSWERS, PASSWORD, World, draft_made, nominee, signed_in, totp_device
from tests.immigration_support import CHILD_PASSPORT, PARTNER_PASSPORT, travelling
from tests.walking import agreement_upload, walk

OEW = "other-essential-worker-2020"
EOI = "eoi-family-2020"


def upload(name: str) -> Any:
    file = agreement_upload()
    file.name = name
    return file


def evidence(request: Request, by: User, name: str) -> Document:
    return document_add(request=request, kind=document_kinds(request)[0][0], upload=upload(name), by=by)


def unzipped(user: User) -> tuple[dict[str, Any], set[str], zipfile.ZipFile]:
    with my_data_zip(user) as archive:
        content = archive.read()
    opened = zipfile.ZipFile(io.BytesIO(content))
    data = json.loads(opened.read("data.json"))
    return data, set(opened.namelist()) - {"data.json"}, opened


def files_of(request: Request, *documents: Document) -> set[str]:
    return {f"files/{request.reference}/{d.pk}-{d.original_name}" for d in documents}


def refs(entries: list[dict[str, Any]]) -> set[str]:
    return {e["reference"] for e in entries}


@dataclass
class Scene:
    worker: User
    travelled: Request  # the worker's request: invited, travelled with a partner and a child, visa granted
    by_employer: Document  # evidence the employer uploaded on it
    second: Request  # another of the employer's nominations, another worker
    second_file: Document
    colleague_request: Request  # the employer's organisation's, started by a colleague
    colleague_file: Document
    foreign: Request  # another employer's nomination
    foreign_file: Document
    own: Request  # the individual's own request
    own_file: Document
    other_individual: Request
    other_individual_file: Document


@pytest.fixture
def scene(world: World) -> Scene:
    draft = draft_made(world, scheme=OEW, body="inz")
    by_employer = evidence(draft, world.employer_a, "offer-letter.png")
    travelled = walk(draft, [("lodge", world.employer_a), ("start_assessment", world.assessor_inz),
                             ("find_eligible", world.assessor_inz), ("invite", world.inz_officer)])
    travelled = travelling(world, travelled)
    visas.visa_grant(request=travelled, by=world.inz_officer, valid_until=timezone.localdate() + timedelta(days=365),
                     conditions="Work only for the nominating employer.")
    travelled.refresh_from_db()
    worker = travelled.nominee.user
    assert worker is not None

    second = draft_made(world, scheme=OEW, body="inz")
    second_file = evidence(second, world.employer_a, "second.png")
    colleague = User.objects.create_user("hemi@kowhai.example", PASSWORD, full_name="Hemi Colleague")
    membership_add(user=colleague, organisation=world.org_a, role="employer")
    colleague_request = draft_made(world, scheme=OEW, body="inz", by=colleague, organisation=world.org_a)
    colleague_file = evidence(colleague_request, colleague, "colleague.png")
    foreign = draft_made(world, scheme=OEW, body="inz", by=world.employer_b, organisation=world.org_b)
    foreign_file = evidence(foreign, world.employer_b, "foreign.png")

    own = _individual(world.individual, "Li")
    own_file = evidence(own, world.individual, "birth-certificate.png")
    other = User.objects.create_user("someone.else@example.com", PASSWORD, full_name="Someone Else")
    other_individual = _individual(other, "Aperahama")
    other_file = evidence(other_individual, other, "other.png")
    return Scene(worker, travelled, by_employer, second, second_file, colleague_request, colleague_file, foreign,
                 foreign_file, own, own_file, other_individual, other_file)


def _individual(user: User, given: str) -> Request:
    """An individual's own request, about themselves: they are its applicant and the person it is for."""
    person = nominee(given_names=given, email=user.email)
    person.user = user
    person.save(update_fields=["user"])
    return request_create(by=user, scheme=Scheme.objects.get(code=EOI), nominee=person, answers=ANSWERS[EOI])


def test_a_worker_gets_their_request_in_full_with_family_visa_letters_and_its_files_and_nothing_else(
    world: World, scene: Scene
) -> None:
    data, files, _ = unzipped(scene.worker)
    [mine] = data["requests_about_you"]
    assert refs(data["requests_about_you"]) == {scene.travelled.reference}
    assert data["requests_you_started_for_an_employer"] == []
    agreement = scene.travelled.documents.exclude(pk=scene.by_employer.pk)
    assert files == files_of(scene.travelled, scene.by_employer, *agreement)
    person = scene.travelled.nominee
    assert mine["you_are"] == ["nominee"]
    assert mine["nominee"]["passport_number"] == person.passport_number
    assert mine["nominee"]["date_of_birth"] == person.date_of_birth.isoformat()
    assert data["people"] == [mine["nominee"]]
    family = {m["passport_number"] for m in mine["request_to_travel"]["family"]}
    assert family == {PARTNER_PASSPORT, CHILD_PASSPORT}
    assert mine["visa_decision"]["outcome"] == "granted"
    assert mine["letters"] and all(letter["for"] != "The employer" for letter in mine["letters"])
    assert [h["what"] for h in mine["history"]][:2] == ["Started as a draft", "Lodged"]
    text = json.dumps(data)
    for planted in (scene.second, scene.foreign, scene.colleague_request, scene.own, scene.other_individual):
        assert planted.reference not in text
        assert planted.nominee.passport_number not in text


def test_an_employer_gets_their_account_and_the_requests_they_started_by_reference_but_not_the_workers_details(
    world: World, scene: Scene
) -> None:
    token, secret = token_create(user=world.employer_a, name="HR system")
    data, files, _ = unzipped(world.employer_a)
    assert data["requests_about_you"] == []
    started = data["requests_you_started_for_an_employer"]
    assert refs(started) == {scene.travelled.reference, scene.second.reference}
    assert set(started[0]) == {"reference", "scheme", "status", "status_label", "employer", "started_at",
                               "lodged_at", "files_you_uploaded"}
    assert files == files_of(scene.travelled, scene.by_employer) | files_of(scene.second, scene.second_file)
    assert data["account"]["email"] == world.employer_a.email
    assert data["memberships"] == [{"organisation": world.org_a.name, "kind": "employer", "role": "employer",
                                    "since": data["memberships"][0]["since"]}]
    assert [t["name"] for t in data["api_tokens"]] == ["HR system"]
    text = json.dumps(data)
    assert secret not in text and token.secret_hash not in text and token.prefix not in text
    assert world.employer_a.password not in text
    for worker_detail in (scene.travelled.nominee.passport_number, PARTNER_PASSPORT, CHILD_PASSPORT,
                          scene.second.nominee.passport_number, "1988-04-12"):
        assert worker_detail not in text
    for planted in (scene.colleague_request, scene.foreign, scene.own):
        assert planted.reference not in text


def test_an_individual_gets_their_own_request_and_its_files_and_not_another_individual_s(
    world: World, scene: Scene
) -> None:
    data, files, archive = unzipped(world.individual)
    assert refs(data["requests_about_you"]) == {scene.own.reference}
    [mine] = data["requests_about_you"]
    assert mine["you_are"] == ["applicant", "nominee"]
    assert mine["answers"] == scene.own.answers
    assert files == files_of(scene.own, scene.own_file)
    [name] = files
    assert hashlib.sha256(archive.read(name)).hexdigest() == scene.own_file.sha256 == mine["evidence"][0]["sha256"]
    assert archive.getinfo(name).compress_type == zipfile.ZIP_STORED, "copied as it is, not compressed again"
    text = json.dumps(data)
    assert scene.other_individual.reference not in text
    assert scene.other_individual.nominee.passport_number not in text


def test_secrets_are_never_in_it_and_a_second_factor_is_told_as_a_fact(world: World) -> None:
    device = totp_device(world.assessor_nztech)
    with my_data_zip(world.assessor_nztech) as archive:
        raw = archive.read()
    opened = zipfile.ZipFile(io.BytesIO(raw))
    data = json.loads(opened.read("data.json"))
    assert data["account"]["second_factor"][0]["confirmed"] is True
    assert device.key not in raw.decode("latin-1") and world.assessor_nztech.password.encode() not in raw
    assert data["requests_about_you"] == [] and opened.namelist() == ["data.json"]


def test_someone_with_nothing_gets_their_account_alone(world: World) -> None:
    found = my_data(world.outsider)
    assert found.files == ()
    assert found.data["account"]["email"] == world.outsider.email
    assert found.data["requests_about_you"] == found.data["requests_you_started_for_an_employer"] == []


# --- the page -----------------------------------------------------------------------------------------------------


def test_the_page_says_what_is_in_it_and_an_employer_is_told_why_workers_details_are_not(world: World) -> None:
    page = signed_in(world.employer_a).get("/account/my-data/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Download your information" in text and "each worker can download it from their own account" in text
    worker_page = signed_in(world.individual).get("/account/my-data/").content.decode()
    assert "each worker can download" not in worker_page


def test_the_download_is_a_post_with_csrf_and_streams_a_zip(world: World, scene: Scene) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.individual)
    assert client.post("/account/my-data/").status_code == 403
    page = client.get("/account/my-data/")
    token = page.cookies["csrftoken"].value
    response = client.post("/account/my-data/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="bordercase-my-data-')
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[arg-type]
    assert set(archive.namelist()) == {"data.json"} | files_of(scene.own, scene.own_file)


def test_nobody_signed_out_reaches_it(client: Client, db: None) -> None:
    for method in (client.get, client.post):
        response = method("/account/my-data/")
        assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_other_methods_are_refused(world: World) -> None:
    assert signed_in(world.individual).put("/account/my-data/").status_code == 405



# --- the API --------------------------------------------------------------------------------------------------------


def test_the_api_answers_the_same_zip_to_a_token_and_401_without_one(
    world: World, scene: Scene, api_client: Callable[[User], Client]
) -> None:
    response = api_client(world.individual).get("/api/v1/account/my-data")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[arg-type]
    assert set(archive.namelist()) == {"data.json"} | files_of(scene.own, scene.own_file)
    data = json.loads(archive.read("data.json"))
    assert refs(data["requests_about_you"]) == {scene.own.reference}
    assert [t["name"] for t in data["api_tokens"]] == ["tests"]
    refused = Client().get("/api/v1/account/my-data")
    assert refused.status_code == 401 and set(refused.json()) == {"message", "fields"}
    assert "/api/v1/account/my-data" in Client().get("/api/v1/openapi.json").json()["paths"]


# --- review: hostile names, lost files, two capacities, other people's correction requests -----------------------


def test_file_names_never_leave_files_reference_in_the_zip_and_same_names_stay_apart(world: World,
                                                                                    scene: Scene) -> None:
    hostile = ["../../../../etc/cron.d/evil.png", "/etc/passwd.png", "..\\..\\windows\\system.png", "..",
               "C:\\evil.png", "x" * 251 + ".png", "birth-certificate.png"]
    made = [Document.objects.create(request=scene.own, kind=scene.own_file.kind, original_name=name,
                                    content_type="image/png", size=scene.own_file.size, sha256=scene.own_file.sha256,
                                    uploaded_by=world.individual, file=scene.own_file.file.name)
            for name in hostile]
    data, files, archive = unzipped(world.individual)
    assert len(files) == len(made) + 1, "two files of the same name are both there"
    prefix = f"files/{scene.own.reference}/"
    for name in files:
        parts = name.split("/")
        assert name.startswith(prefix) and len(parts) == 3 and parts[2] not in ("", ".", ".."), name
        assert "\\" not in name and ":" not in name and "\x00" not in name and len(parts[2]) <= 300, name
        assert archive.read(name) == archive.read(f"{prefix}{scene.own_file.pk}-birth-certificate.png")
    listed = {e["file"] for e in data["requests_about_you"][0]["evidence"]}
    assert listed == files


def test_a_file_lost_from_storage_or_never_stored_leaves_the_rest_and_never_a_500(world: World, scene: Scene) -> None:
    scene.own_file.file.storage.delete(scene.own_file.file.name)
    empty = Document.objects.create(request=scene.own, kind=scene.own_file.kind, original_name="never-stored.png",
                                    content_type="image/png", size=1, sha256="0" * 64, uploaded_by=world.individual,
                                    file="")
    client = signed_in(world.individual)
    response = client.post("/account/my-data/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[arg-type]
    assert archive.namelist() == ["data.json"]
    data = json.loads(archive.read("data.json"))
    assert {e["name"] for e in data["requests_about_you"][0]["evidence"]} == {"birth-certificate.png",
                                                                             empty.original_name}


def test_an_employer_who_is_also_a_worker_gets_their_own_request_in_full_and_their_employer_s_by_reference(
    world: World, scene: Scene
) -> None:
    membership_add(user=scene.worker, organisation=world.org_b, role="employer")
    started = draft_made(world, scheme=OEW, body="inz", by=scene.worker, organisation=world.org_b)
    data, files, _ = unzipped(scene.worker)
    assert refs(data["requests_about_you"]) == {scene.travelled.reference}
    assert refs(data["requests_you_started_for_an_employer"]) == {started.reference}
    text = json.dumps(data)
    assert started.nominee.passport_number not in text, "the other worker's passport is theirs"
    assert scene.foreign.reference not in text, "a colleague's request at the new employer is not theirs"
    assert all(f.startswith(f"files/{scene.travelled.reference}/") for f in files)


def test_a_worker_s_zip_holds_their_correction_requests_not_the_employer_s_and_no_session_key(
    world: World, scene: Scene
) -> None:
    asked = {"information": "passport", "why": "Renewed."}
    correction_ask(user=scene.worker, reference=scene.travelled.reference, should_say="Worker's own words", **asked)
    correction_ask(user=world.employer_a, reference=scene.travelled.reference, should_say="Employer's words", **asked)
    client = signed_in(scene.worker)
    session_key = client.session.session_key
    assert session_key
    raw = b"".join(client.post("/account/my-data/").streaming_content)  # type: ignore[attr-defined]
    data = json.loads(zipfile.ZipFile(io.BytesIO(raw)).read("data.json"))
    [mine] = data["requests_about_you"]
    assert [c["should_say"] for c in mine["correction_requests"]] == ["Worker's own words"]
    assert [c["should_say"] for c in data["correction_requests_you_made"]] == ["Worker's own words"]
    assert "Employer's words" not in json.dumps(data) and session_key.encode() not in raw
    employer = json.loads(zipfile.ZipFile(my_data_zip(world.employer_a)).read("data.json"))
    assert [c["should_say"] for c in employer["correction_requests_you_made"]] == ["Employer's words"]
    assert "Worker's own words" not in json.dumps(employer)
