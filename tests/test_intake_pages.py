"""The lodging pages through Django's test client: each step, its errors, double submissions and who may see them."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from bordercase.cases.models import Event, IdempotencyRecord, IntakeWindow, Person, Request, Scheme
from bordercase.cases.services.windows import window_add
from tests.conftest import ANSWERS, World, signed_in
from tests.walking import walk

TECH = "tech-specialists-2022"
MakeRequest = Callable[..., Request]
PERSON = {"given_names": "Emily", "family_name": "Hartley", "dob_day": "3", "dob_month": "9", "dob_year": "1985",
          "nationality": "GBR", "passport_number": "533 201 987", "email": "emily@example.com"}


def start_key(client: Client) -> str:
    page = client.get("/start-request/").content.decode()
    found = re.search(r'name="submission" value="([0-9a-f]+)"', page)
    assert found, "the start page carries a one-time submission key"
    return found.group(1)


# --- starting a request -------------------------------------------------------------------------------------------


def test_an_employer_starts_a_tech_request_and_a_resubmitted_form_finds_the_same_draft(world: World) -> None:
    client = signed_in(world.employer_a)
    key = start_key(client)
    first = client.post("/start-request/", {"scheme": TECH, "submission": key})
    again = client.post("/start-request/", {"scheme": TECH, "submission": key})
    [draft] = Request.objects.all()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/requests/{draft.reference}/"
    assert (draft.organisation, draft.status, draft.created_by) == (world.org_a, "draft", world.employer_a)
    # NZTech and IT Professionals NZ both assess the class, so the choice is left to the employer.
    assert draft.assessing_body is None
    assert IdempotencyRecord.objects.count() == 1


def test_an_individual_sees_only_the_eoi_categories_and_starts_one_for_themselves(world: World) -> None:
    client = signed_in(world.individual)
    page = client.get("/start-request/").content.decode()
    assert "Family" in page and 'value="tech-specialists-2022"' not in page
    response = client.post("/start-request/", {"scheme": "eoi-family-2020", "submission": start_key(client)})
    draft = Request.objects.get()
    assert response.status_code == 302 and draft.organisation is None and draft.assessing_body.code == "inz"
    refused = client.post("/start-request/", {"scheme": TECH, "submission": start_key(client)})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert Request.objects.count() == 1


def test_starting_without_choosing_a_scheme_shows_the_error_summary_and_creates_nothing(world: World) -> None:
    client = signed_in(world.employer_a)
    response = client.post("/start-request/", {"submission": start_key(client)})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Select the scheme the request is under" in page and not Request.objects.exists()


def test_a_closed_scheme_is_listed_with_when_it_closed_and_cannot_be_started(world: World) -> None:
    IntakeWindow.objects.filter(scheme__code=TECH).delete()
    now = timezone.now()
    window_add(scheme=Scheme.objects.get(code=TECH), opens_at=now - dt.timedelta(days=9),
               closes_at=now - dt.timedelta(days=2))
    client = signed_in(world.employer_a)
    page = client.get("/start-request/").content.decode()
    assert "closed to new requests at" in page and f'value="{TECH}"' not in page
    response = client.post("/start-request/", {"scheme": TECH, "submission": start_key(client)})
    assert response.status_code == 200 and not Request.objects.exists()


# --- the task list and its pages -----------------------------------------------------------------------------------


def test_the_task_list_shows_what_is_done_and_what_cannot_start_yet(world: World, make_request: MakeRequest) -> None:
    draft = make_request(with_nominee=False, answers={})
    page = html.unescape(signed_in(world.employer_a).get(f"/requests/{draft.reference}/").content.decode())
    assert "govuk-task-list" in page
    assert re.search(r"The worker's details</a>.*?Incomplete", page, re.S)
    assert re.search(r"Answer the scheme's questions</a>.*?Not yet started", page, re.S)
    assert re.search(r"<div>Check your answers and lodge</div>.*?Cannot start yet", page, re.S)


def test_the_worker_s_details_are_saved_with_the_passport_number_tidied(
    world: World, make_request: MakeRequest
) -> None:
    draft = make_request(with_nominee=False)
    response = signed_in(world.employer_a).post(f"/requests/{draft.reference}/person/", PERSON)
    draft.refresh_from_db()
    assert response.status_code == 302 and response["Location"].endswith("/assessing-body/")
    assert (draft.nominee.passport_number, draft.nominee.date_of_birth) == ("533201987", dt.date(1985, 9, 3))


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"dob_day": "31", "dob_month": "2"}, "dob_day", "Date of birth must be a real date"),
    ({"dob_year": ""}, "dob_day", "Date of birth must include a year"),
    ({"dob_day": "", "dob_month": "", "dob_year": ""}, "dob_day", "Enter the date of birth"),
    ({"dob_year": str(dt.date.today().year + 1)}, "dob_day", "must be in the past"),
    ({"passport_number": "no!"}, "passport_number", "5 to 20 capital letters and digits"),
    ({"email": "emily"}, "email", "Enter an email address in the correct format"),
    ({"nationality": ""}, "nationality", "Select the nationality"),
])
def test_bad_worker_details_name_the_field_in_the_error_summary_and_save_nothing(
    world: World, make_request: MakeRequest, change: dict[str, str], field: str, message: str
) -> None:
    draft = make_request(with_nominee=False)
    response = signed_in(world.employer_a).post(f"/requests/{draft.reference}/person/", {**PERSON, **change})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert re.search(rf'<a href="#id_{field}">[^<]*{re.escape(message)}', page), page
    # Passport numbers are sealed, so the database cannot look one up: every person is read and compared.
    assert Request.objects.get(pk=draft.pk).nominee_id is None and all(
        p.passport_number != "533201987" for p in Person.objects.all())


def test_save_and_come_back_later_returns_to_the_task_list(world: World, make_request: MakeRequest) -> None:
    draft = make_request(with_nominee=False)
    response = signed_in(world.employer_a).post(f"/requests/{draft.reference}/person/", {**PERSON, "later": "1"})
    assert response["Location"] == f"/requests/{draft.reference}/"


def test_choosing_the_assessing_body(world: World, make_request: MakeRequest) -> None:
    draft = make_request(body=None)
    client = signed_in(world.employer_a)
    missing = client.post(f"/requests/{draft.reference}/assessing-body/", {})
    assert "Select who will assess the request" in missing.content.decode()
    chosen = client.post(f"/requests/{draft.reference}/assessing-body/", {"assessing_body": "itpnz"})
    assert chosen.status_code == 302 and Request.objects.get(pk=draft.pk).assessing_body.code == "itpnz"
    wrong = client.post(f"/requests/{draft.reference}/assessing-body/", {"assessing_body": "inz"})
    assert wrong.status_code == 200 and Request.objects.get(pk=draft.pk).assessing_body.code == "itpnz"


def test_the_pre_assessment_gives_every_reason_before_lodging(world: World, make_request: MakeRequest) -> None:
    draft = make_request(answers={**ANSWERS[TECH], "anzsco_code": "2613", "annual_salary_nzd": 110000})
    page = signed_in(world.employer_a).get(f"/requests/{draft.reference}/pre-assessment/").content.decode()
    assert "likely ineligible" in page and "You can still lodge it" in page
    assert "110,000" in page and "120,000" in page and "2613" in page


# --- check your answers and lodging ---------------------------------------------------------------------------------


def test_check_your_answers_lists_what_is_missing_and_offers_no_lodge_button(
    world: World, make_request: MakeRequest
) -> None:
    draft = make_request(with_nominee=False, answers={"annual_salary_nzd": 150000})
    client = signed_in(world.employer_a)
    page = client.get(f"/requests/{draft.reference}/check/").content.decode()
    assert "govuk-error-summary" in page and "Enter the worker&#x27;s details" in page  # escaped as HTML
    assert "Have you and the worker signed an employment agreement?" in page and "Lodge the request" not in page
    client.post(f"/requests/{draft.reference}/check/", {"declaration": "on"})
    assert Request.objects.get(pk=draft.pk).status == "draft"


def test_lodging_needs_the_declaration(world: World, make_request: MakeRequest) -> None:
    draft = make_request()
    response = signed_in(world.employer_a).post(f"/requests/{draft.reference}/check/", {})
    assert "Confirm that the information in this request is true" in response.content.decode()
    assert Request.objects.get(pk=draft.pk).status == "draft"


def test_lodging_shows_the_confirmation_and_a_double_click_lodges_once(
    world: World, make_request: MakeRequest
) -> None:
    draft = make_request()
    client = signed_in(world.employer_a)
    first = client.post(f"/requests/{draft.reference}/check/", {"declaration": "on"})
    second = client.post(f"/requests/{draft.reference}/check/", {"declaration": "on"})
    assert first["Location"] == f"/requests/{draft.reference}/lodged/"
    assert second["Location"] == f"/requests/{draft.reference}/"  # a lodged request is no longer edited
    assert Event.objects.filter(request=draft, transition="lodge").count() == 1
    page = client.get(first["Location"]).content.decode()
    assert "govuk-panel--confirmation" in page and draft.reference in page


def test_lodging_after_the_window_closed_says_so_and_keeps_the_draft(
    world: World, make_request: MakeRequest
) -> None:
    draft = make_request()
    IntakeWindow.objects.filter(scheme__code=TECH).delete()
    now = timezone.now()
    window_add(scheme=Scheme.objects.get(code=TECH), opens_at=now - dt.timedelta(days=9),
               closes_at=now - dt.timedelta(hours=1))
    client = signed_in(world.employer_a)
    assert "closed to new requests at" in client.get(f"/requests/{draft.reference}/").content.decode()
    response = client.post(f"/requests/{draft.reference}/check/", {"declaration": "on"})
    page = response.content.decode()
    assert response.status_code == 200 and "is not taking requests now" in page and "closed to new requests" in page
    draft.refresh_from_db()
    assert (draft.status, draft.answers["annual_salary_nzd"]) == ("draft", ANSWERS[TECH]["annual_salary_nzd"])


def test_a_lodged_request_can_be_withdrawn_by_its_applicant_with_a_reason(
    world: World, make_request: MakeRequest
) -> None:
    lodged = walk(make_request(), [("lodge", world.employer_a)])
    client = signed_in(world.employer_a)
    assert "Withdraw this request" in client.get(f"/requests/{lodged.reference}/").content.decode()
    client.post(f"/requests/{lodged.reference}/withdraw/", {"reason": "The worker took another offer."})
    lodged.refresh_from_db()
    assert lodged.status == "withdrawn"
    assert Event.objects.get(request=lodged, transition="withdraw").reason == "The worker took another offer."


# --- who may open the pages ----------------------------------------------------------------------------------------

PAGES = ["", "person/", "assessing-body/", "questions/", "pre-assessment/", "evidence/", "check/", "lodged/",
         "withdraw/"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["employer_b", "individual", "outsider", "assessor_nztech", "inz_officer"])
def test_a_draft_s_pages_are_not_found_for_anyone_but_its_applicant(
    world: World, make_request: MakeRequest, page: str, persona: str
) -> None:
    draft = make_request()
    response = signed_in(world.actor(persona)).get(f"/requests/{draft.reference}/{page}")
    assert response.status_code == 404


@pytest.mark.parametrize("page", PAGES[1:])
def test_the_editing_pages_need_a_sign_in(world: World, make_request: MakeRequest, page: str) -> None:
    draft = make_request()
    response = Client().get(f"/requests/{draft.reference}/{page}")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_an_assessor_cannot_lodge_or_withdraw_a_lodged_request_through_the_pages(
    world: World, make_request: MakeRequest
) -> None:
    lodged = walk(make_request(), [("lodge", world.employer_a)])
    client = signed_in(world.assessor_nztech)
    assert client.get(f"/requests/{lodged.reference}/").status_code == 200
    assert client.post(f"/requests/{lodged.reference}/withdraw/", {"reason": "x"}).status_code == 404
    assert Request.objects.get(pk=lodged.pk).status == "lodged"


def test_the_date_of_birth_is_the_shared_date_input_with_its_purpose_for_autofill(
    world: World, make_request: MakeRequest
) -> None:
    draft = make_request(with_nominee=False)
    page = signed_in(world.employer_a).get(f"/requests/{draft.reference}/person/").content.decode()
    for part in ("day", "month", "year"):
        assert re.search(rf'name="dob_{part}" type="text" inputmode="numeric" autocomplete="bday-{part}"', page), part
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Date of birth</legend>' in page
