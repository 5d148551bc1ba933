"""Intake rules below the pages: windows, the Idempotency-Key, the worker counted once, editing drafts."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.cases.models import Event, IdempotencyRecord, IntakeWindow, Person, Request, Scheme
from bordercase.cases.services.requests import request_create, request_update_draft
from bordercase.cases.services.windows import window_add
from bordercase.cases.services.workers import same_worker_requests
from bordercase.cases.windows import IntakeState, Window, intake_at, intake_message, nz_time
from bordercase.lib.errors import InvalidInput, NotEditable, OutsideWindow, Refused
from bordercase.lib.identifiers import worker_identity
from bordercase.lib.sealed import index_key
from tests.conftest import ANSWERS, NO_KEY, World, api_post, nominee
from tests.walking import walk

API = "/api/v1"
TECH = "tech-specialists-2022"
UTC = dt.UTC
ClientFor = Callable[[User], Client]
MakeRequest = Callable[..., Request]


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2022, 2, day, hour, tzinfo=UTC)


# --- windows (pure) ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("now", "state"), [
    (at(1), IntakeState.UPCOMING), (at(10), IntakeState.OPEN), (at(15), IntakeState.UPCOMING),
    (at(20), IntakeState.OPEN), (at(26), IntakeState.CLOSED),
])
def test_a_scheme_is_open_only_inside_one_of_its_windows(now: dt.datetime, state: IntakeState) -> None:
    windows = [Window(at(18), at(25)), Window(at(5), at(12))]  # given out of order on purpose
    assert intake_at(windows, now).state is state


def test_a_window_opens_at_its_first_instant_and_is_closed_at_its_closing_instant() -> None:
    window = Window(at(5), at(12))
    assert intake_at([window], at(5)).is_open
    assert not intake_at([window], at(12)).is_open
    assert intake_at([window], at(12)).last == window


def test_a_scheme_without_windows_never_takes_requests_and_says_so() -> None:
    intake = intake_at([], at(1))
    assert intake.state is IntakeState.NEVER and not intake.takes_drafts
    assert "no intake window yet" in intake_message("The class", intake)


def test_times_are_told_in_new_zealand_time() -> None:
    # 20:00 UTC on 17 February is 9:00 am on 18 February in Auckland (NZDT, UTC+13).
    assert nz_time(dt.datetime(2022, 2, 17, 20, tzinfo=UTC)) == \
        "9:00 am on Friday 18 February 2022 (New Zealand time)"


def test_the_messages_say_when_it_opens_or_that_it_closed() -> None:
    windows = [Window(at(5), at(12))]
    assert "opens for requests at" in intake_message("X", intake_at(windows, at(1)))
    assert "closed to new requests at" in intake_message("X", intake_at(windows, at(13)))
    assert "until" in intake_message("X", intake_at(windows, at(6)))


@pytest.mark.parametrize("bad", [
    lambda: Window(at(5), at(5)), lambda: Window(at(6), at(5)), lambda: Window(dt.datetime(2022, 2, 5), at(6)),
])
def test_a_window_must_close_after_it_opens_and_carry_a_time_zone(bad: Callable[[], Window]) -> None:
    with pytest.raises(ValueError):
        bad()


def test_overlapping_windows_are_refused_and_nothing_is_stored(world: World) -> None:
    scheme = Scheme.objects.get(code=TECH)
    before = IntakeWindow.objects.filter(scheme=scheme).count()
    now = timezone.now()
    with pytest.raises(InvalidInput) as info:
        window_add(scheme=scheme, opens_at=now, closes_at=now + dt.timedelta(days=60))
    assert set(info.value.errors) == {"opens_at"} and "overlap" in info.value.errors["opens_at"]
    with pytest.raises(InvalidInput) as info:
        window_add(scheme=scheme, opens_at=now + dt.timedelta(days=90), closes_at=now + dt.timedelta(days=89))
    assert set(info.value.errors) == {"closes_at"}
    assert IntakeWindow.objects.filter(scheme=scheme).count() == before


# --- windows applied to requests ----------------------------------------------------------------------------------


def _only_window(code: str, opens: dt.timedelta, closes: dt.timedelta) -> None:
    IntakeWindow.objects.filter(scheme__code=code).delete()
    now = timezone.now()
    window_add(scheme=Scheme.objects.get(code=code), opens_at=now + opens, closes_at=now + closes)


def test_a_draft_may_be_prepared_before_the_window_opens_but_not_lodged(
    world: World, make_request: MakeRequest
) -> None:
    _only_window(TECH, dt.timedelta(days=2), dt.timedelta(days=9))
    draft = make_request()
    events = draft.events_count
    with pytest.raises(OutsideWindow) as info:
        walk(draft, [("lodge", world.employer_a)])
    assert "opens for requests at" in str(info.value)
    draft.refresh_from_db()
    assert (draft.status, draft.lodged_at, draft.events_count) == ("draft", None, events)


def test_a_draft_survives_its_window_closing_and_cannot_be_lodged_after(
    world: World, make_request: MakeRequest
) -> None:
    draft = make_request()
    _only_window(TECH, -dt.timedelta(days=9), -dt.timedelta(days=1))
    assert Request.objects.filter(pk=draft.pk, status="draft").exists()
    with pytest.raises(OutsideWindow) as info:
        walk(draft, [("lodge", world.employer_a)])
    assert "closed to new requests" in str(info.value)
    with pytest.raises(OutsideWindow):  # and no new draft can be started
        request_create(by=world.employer_a, scheme=Scheme.objects.get(code=TECH), organisation=world.org_a)


def test_the_api_answers_409_with_the_window_when_lodging_outside_it(
    world: World, make_request: MakeRequest, api_client: ClientFor
) -> None:
    draft = make_request()
    _only_window(TECH, -dt.timedelta(days=9), -dt.timedelta(days=1))
    response = api_client(world.employer_a).post(
        f"{API}/requests/{draft.reference}/transitions/lodge", {}, content_type="application/json",
        headers={"Idempotency-Key": "k1"})
    assert response.status_code == 409 and "closed to new requests" in response.json()["message"]
    schemes = {s["code"]: s for s in api_client(world.employer_a).get(f"{API}/schemes").json()}
    assert schemes[TECH]["is_open"] is False and schemes[TECH]["intake"] == "closed"
    assert schemes["eoi-family-2020"]["is_open"] is True


# --- the Idempotency-Key ------------------------------------------------------------------------------------------


def _create_body(world: World, passport: str = "P1234567") -> dict[str, Any]:
    return {"scheme": TECH, "organisation_nzbn": world.org_a.nzbn, "assessing_body": "nztech",
            "nominee": {"given_names": "Emily", "family_name": "Hartley", "date_of_birth": "1985-09-03",
                        "nationality": "GBR", "passport_number": passport, "email": "emily@example.com"},
            "answers": ANSWERS[TECH]}


def _post(client: Client, path: str, body: dict[str, Any], key: str | None) -> Any:
    return api_post(client, path, body, key=NO_KEY if key is None else key)


def test_a_retried_create_with_the_same_key_replays_the_first_answer_and_creates_nothing_more(
    world: World, api_client: ClientFor
) -> None:
    client = api_client(world.employer_a)
    first = _post(client, "/requests", _create_body(world), "create-1")
    again = _post(client, "/requests", _create_body(world), "create-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert (first["Idempotent-Replayed"], again["Idempotent-Replayed"]) == ("false", "true")
    assert Request.objects.count() == 1 and Person.objects.count() == 1


def test_a_reused_key_with_a_different_body_answers_422_and_changes_nothing(
    world: World, api_client: ClientFor
) -> None:
    client = api_client(world.employer_a)
    _post(client, "/requests", _create_body(world), "create-1")
    response = _post(client, "/requests", _create_body(world, passport="P7654321"), "create-1")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["fields"] and "different request" in response.json()["message"]
    assert Request.objects.count() == 1


@pytest.mark.parametrize(("key", "rule"), [(None, "Send an Idempotency-Key"), ("has space", "no spaces"),
                                           ("x" * 256, "1 to 255")])
def test_a_create_without_a_usable_key_is_refused_naming_the_header(
    world: World, api_client: ClientFor, key: str | None, rule: str
) -> None:
    response = _post(api_client(world.employer_a), "/requests", _create_body(world), key)
    assert response.status_code == 422 and rule in response.json()["fields"]["Idempotency-Key"]
    assert not Request.objects.exists() and not IdempotencyRecord.objects.exists()


def test_keys_belong_to_their_user(world: World, api_client: ClientFor) -> None:
    membership = world.org_a.memberships.create(user=world.outsider, role="employer")
    first = _post(api_client(world.employer_a), "/requests", _create_body(world), "shared-key")
    second = _post(api_client(world.outsider), "/requests", _create_body(world, "P999999"), "shared-key")
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] != second.json()["reference"]
    membership.delete()


def test_a_failed_create_does_not_use_up_its_key(world: World, api_client: ClientFor) -> None:
    client = api_client(world.employer_a)
    bad = _create_body(world)
    bad["answers"] = {"annual_salary_nzd": "lots"}
    assert _post(client, "/requests", bad, "k").status_code == 422
    assert not IdempotencyRecord.objects.exists()
    assert _post(client, "/requests", _create_body(world), "k").status_code == 201


def test_a_retried_lodge_replays_and_lodges_once_but_a_new_key_meets_the_lifecycle(
    world: World, make_request: MakeRequest, api_client: ClientFor
) -> None:
    draft = make_request()
    client = api_client(world.employer_a)
    path = f"/requests/{draft.reference}/transitions/lodge"
    first, again = _post(client, path, {}, "lodge-1"), _post(client, path, {}, "lodge-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert Event.objects.filter(request=draft, transition="lodge").count() == 1
    assert _post(client, path, {}, "lodge-2").status_code == 409
    assert _post(client, path, {}, None).status_code == 422


# --- the worker counted once --------------------------------------------------------------------------------------


def test_the_same_person_nominated_by_two_employers_is_found_at_lodging(
    world: World, make_request: MakeRequest
) -> None:
    ours = make_request()
    person = ours.nominee
    twin = nominee(passport_number=person.passport_number.lower(), nationality=person.nationality,
                   date_of_birth=person.date_of_birth, given_names="R.", family_name="Kumar")
    theirs = request_create(by=world.employer_b, scheme=ours.scheme, organisation=world.org_b, nominee=twin,
                            assessing_body=ours.assessing_body, answers=ANSWERS[TECH])
    walk(ours, [("lodge", world.employer_a)])
    walk(theirs, [("lodge", world.employer_b)])
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.worker_identity == theirs.worker_identity == worker_identity(
        passport_number=person.passport_number, nationality=person.nationality, date_of_birth=person.date_of_birth,
        key=index_key())
    assert list(same_worker_requests(ours)) == [theirs] and list(same_worker_requests(theirs)) == [ours]
    assert Event.objects.get(request=theirs, transition="lodge").data == {"same_worker_requests": 1}
    assert Event.objects.get(request=ours, transition="lodge").data == {}


@pytest.mark.parametrize("differs", ["passport_number", "nationality", "date_of_birth"])
def test_a_different_passport_nationality_or_birth_date_is_a_different_person(
    world: World, make_request: MakeRequest, differs: str
) -> None:
    ours = walk(make_request(), [("lodge", world.employer_a)])
    fields = {"passport_number": ours.nominee.passport_number, "nationality": ours.nominee.nationality,
              "date_of_birth": ours.nominee.date_of_birth}
    fields[differs] = {"passport_number": "OTHER123", "nationality": "GBR",
                       "date_of_birth": dt.date(1990, 1, 1)}[differs]
    theirs = request_create(by=world.employer_b, scheme=ours.scheme, organisation=world.org_b,
                            nominee=nominee(**fields), assessing_body=ours.assessing_body, answers=ANSWERS[TECH])
    walk(theirs, [("lodge", world.employer_b)])
    assert not same_worker_requests(ours).exists()


def test_a_withdrawn_or_draft_nomination_does_not_count_as_the_same_worker(
    world: World, make_request: MakeRequest
) -> None:
    ours = walk(make_request(), [("lodge", world.employer_a)])
    p = ours.nominee
    same = {"passport_number": p.passport_number, "nationality": p.nationality, "date_of_birth": p.date_of_birth}
    draft = request_create(by=world.employer_b, scheme=ours.scheme, organisation=world.org_b,
                           nominee=nominee(**same), assessing_body=ours.assessing_body, answers=ANSWERS[TECH])
    assert not same_worker_requests(ours).exists()
    walk(draft, [("lodge", world.employer_b), ("withdraw", world.employer_b)])
    assert not same_worker_requests(ours).exists()


# --- editing a draft ----------------------------------------------------------------------------------------------


def test_a_draft_s_answers_merge_and_none_removes_one(world: World, make_request: MakeRequest) -> None:
    draft = make_request(answers={"annual_salary_nzd": 130000, "job_title": "Developer"})
    updated = request_update_draft(request=draft, by=world.employer_a,
                                   answers={"annual_salary_nzd": 140000, "job_title": None})
    assert updated.answers == {"annual_salary_nzd": 140000}
    assert Request.objects.get(pk=draft.pk).answers == {"annual_salary_nzd": 140000}


def test_bad_answers_to_a_draft_name_the_field_and_change_nothing(world: World, make_request: MakeRequest) -> None:
    draft = make_request(answers={"annual_salary_nzd": 130000})
    with pytest.raises(InvalidInput) as info:
        request_update_draft(request=draft, by=world.employer_a,
                             answers={"annual_salary_nzd": "lots", "nominee_favourite_colour": "blue"})
    assert set(info.value.errors) == {"answers.annual_salary_nzd", "answers.nominee_favourite_colour"}
    assert Request.objects.get(pk=draft.pk).answers == {"annual_salary_nzd": 130000}


def test_a_nominee_correction_with_a_bad_passport_number_changes_nothing(
    world: World, make_request: MakeRequest
) -> None:
    draft = make_request()
    before = Person.objects.filter(pk=draft.nominee_id).values().get()
    fields = {"given_names": "Ravi", "family_name": "Kumar", "date_of_birth": dt.date(1988, 4, 12),
              "nationality": "IND", "passport_number": "no!", "email": "ravi@example.com"}
    with pytest.raises(InvalidInput) as info:
        request_update_draft(request=draft, by=world.employer_a, nominee=fields)
    assert set(info.value.errors) == {"nominee.passport_number"}
    assert Person.objects.filter(pk=draft.nominee_id).values().get() == before


def test_only_the_applicant_may_edit_and_only_a_draft(world: World, make_request: MakeRequest) -> None:
    draft = make_request()
    with pytest.raises(Refused):
        request_update_draft(request=draft, by=world.employer_b, answers={"annual_salary_nzd": 1})
    walk(draft, [("lodge", world.employer_a)])
    with pytest.raises(NotEditable):
        request_update_draft(request=draft, by=world.employer_a, answers={"annual_salary_nzd": 1})
    assert Request.objects.get(pk=draft.pk).answers["annual_salary_nzd"] == ANSWERS[TECH]["annual_salary_nzd"]


def test_the_api_edits_a_draft_and_refuses_a_lodged_one_with_409(
    world: World, make_request: MakeRequest, api_client: ClientFor
) -> None:
    draft = make_request(answers={})
    client = api_client(world.employer_a)
    response = client.patch(f"{API}/requests/{draft.reference}", {"answers": {"annual_salary_nzd": 150000}},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["answers"] == {"annual_salary_nzd": 150000}
    outsider = api_client(world.employer_b).patch(f"{API}/requests/{draft.reference}", {"answers": {}},
                                                  content_type="application/json")
    assert outsider.status_code == 404
    request_update_draft(request=draft, by=world.employer_a, answers=ANSWERS[TECH])
    walk(draft, [("lodge", world.employer_a)])
    lodged = client.patch(f"{API}/requests/{draft.reference}", {"answers": {"annual_salary_nzd": 1}},
                          content_type="application/json")
    assert lodged.status_code == 409 and "can no longer be changed" in lodged.json()["message"]


def test_the_database_refuses_a_second_record_of_one_user_s_key(world: World) -> None:
    key = str(uuid.uuid4())
    IdempotencyRecord.objects.create(user=world.employer_a, key=key, fingerprint="a", status_code=201, response={})
    with pytest.raises(IntegrityError), transaction.atomic():
        IdempotencyRecord.objects.create(user=world.employer_a, key=key, fingerprint="b", status_code=201,
                                         response={})
    assert IdempotencyRecord.objects.count() == 1


# --- the window command -------------------------------------------------------------------------------------------


def test_the_window_command_adds_a_window_in_new_zealand_time_and_lists_it(world: World) -> None:
    out = io.StringIO()
    call_command("window", "add", "eoi-family-2020", "--opens", "2031-02-18 09:00", "--closes", "2031-07-31 23:59",
                 "--reason", "The 2031 intake.", stdout=out)
    added = IntakeWindow.objects.filter(scheme__code="eoi-family-2020").latest("opens_at")
    assert added.opens_at == dt.datetime(2031, 2, 17, 20, tzinfo=UTC)  # 9 am NZDT is 8 pm UTC the day before
    assert added.closes_at == dt.datetime(2031, 7, 31, 11, 59, tzinfo=UTC)  # NZST is UTC+12
    assert "9:00 am on Tuesday 18 February 2031" in out.getvalue()
    listing = io.StringIO()
    call_command("window", "list", stdout=listing)
    assert "eoi-family-2020 [open]" in listing.getvalue() and "18 February 2031" in listing.getvalue()


@pytest.mark.parametrize(("args", "message"), [
    (["no-such-scheme", "--opens", "2031-01-01 09:00", "--closes", "2031-02-01 09:00"], "There is no scheme"),
    (["eoi-family-2020", "--opens", "18/02/2031", "--closes", "2031-02-01 09:00"], "is not a date and time"),
    (["eoi-family-2020", "--opens", "2031-03-01 09:00", "--closes", "2031-02-01 09:00"], "must close after"),
])
def test_the_window_command_refuses_bad_input_and_stores_nothing(
    world: World, args: list[str], message: str
) -> None:
    before = IntakeWindow.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("window", "add", *args, "--reason", "A test.")
    assert IntakeWindow.objects.count() == before
