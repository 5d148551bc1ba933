"""The worker's side of an invitation to apply: following the link, then the request to travel and its rules.

Every rejection names the field it is about and saves nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone
from PIL import Image

from bordercase.accounts.models import User
from bordercase.cases.models import Document, Event, Person, Request
from bordercase.cases.services import documents
from bordercase.immigration.models import FamilyMember, Invitation, TravelRequest
from bordercase.immigration.passports import parse_passport_line, passport_line
from bordercase.immigration.services import claims, travel, travel_terms
from bordercase.immigration.services.tokens import InvitationUnusable, token_digest
from bordercase.lib.errors import InvalidInput, NotEditable, Refused
from bordercase.policy import loader
from tests.conftest import PASSWORD, World, signed_in
from tests.travel_support import (
    ICAO_SPECIMEN,
    OEW,
    TECH,
    MakeRequest,
    child,
    filled,
    invitation_link,
    invited,
    journey,
    partner,
    passport,
    personal,
    today,
    travel_of,
    worker_of,
)
from tests.walking import walk

NEW_PASSWORD = "kauri tree on the ridge at dawn"


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def posted(values: dict[str, Any]) -> dict[str, str]:
    """A service's keyword arguments as the page's form posts them: dates as day, month and year."""
    data: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, dt.date):
            data |= {f"{key}_day": str(value.day), f"{key}_month": str(value.month), f"{key}_year": str(value.year)}
        elif key != "relationship":
            data[key] = str(value)
    return data


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for a 29 February that year lacks)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def saved(travel_request: TravelRequest) -> dict[str, Any]:
    """Everything stored for a request to travel, to show a refused change left it alone."""
    fresh = TravelRequest.objects.get(pk=travel_request.pk)
    fields = {f.name: getattr(fresh, f.name) for f in TravelRequest._meta.concrete_fields if f.name != "updated_at"}
    return {**fields, "family": list(fresh.family.values())}


@pytest.fixture
def oew(world: World, make_request: MakeRequest) -> Request:
    return invited(world, make_request)


@pytest.fixture
def worker(world: World, oew: Request) -> User:
    return worker_of(world, oew)


@pytest.fixture
def opened(oew: Request, worker: User) -> TravelRequest:
    """The request to travel with the worker's personal details and passport entered."""
    started = travel.travel_request_open(request=oew, by=worker)
    travel.personal_details_save(travel=started, by=worker, **personal(oew))
    travel.passport_save(travel=started, by=worker, **passport(oew))
    return travel_of(oew)


def refused(action: Any, travel_request: TravelRequest, **kwargs: Any) -> dict[str, str]:
    """Call the service and return its field errors, checking that nothing was saved."""
    before = saved(travel_request)
    with pytest.raises(InvalidInput) as exc:
        action(travel=travel_request, **kwargs)
    assert saved(travel_request) == before, "a refused change saved something"
    return exc.value.errors


# --- the machine-readable zone used by these tests ------------------------------------------------------------------


def test_the_tests_passport_lines_are_the_ones_icao_9303_gives() -> None:
    made = passport_line("L898902C3", "UTO", dt.date(1974, 8, 12), dt.date(2012, 4, 15), sex="F", personal="ZE184226B")
    assert made == ICAO_SPECIMEN
    assert parse_passport_line(made).number == "L898902C3"


# --- the invitation link -------------------------------------------------------------------------------------------


def test_a_valid_link_says_who_invited_the_worker_and_for_what_and_sets_up_their_account(
    world: World, oew: Request
) -> None:
    token = invitation_link(world, oew)
    client = Client()
    page = page_text(client.get(f"/invitation-to-apply/{token}/"))
    assert "Immigration New Zealand invites" in page and oew.nominee.full_name in page
    assert world.org_a.name in page and "Other essential worker" in page and oew.reference in page
    assert 'name="password"' in page and oew.nominee.email in page

    response = client.post(f"/invitation-to-apply/{token}/", {"password": NEW_PASSWORD,
                                                               "password_again": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == f"/requests/{oew.reference}/travel/"
    user = User.objects.get(email=oew.nominee.email)
    assert user.check_password(NEW_PASSWORD) and user.full_name == oew.nominee.full_name
    assert user.email_verified_at is not None
    assert Person.objects.get(pk=oew.nominee_id).user == user
    assert Invitation.objects.get(token_sha256=token_digest(token)).used_at is not None
    assert TravelRequest.objects.get(request=oew).worker == user
    # Signed in: the task list opens for them straight away.
    task_list = page_text(client.get(response["Location"]))
    assert "Your request to travel" in task_list and "Your personal details" in task_list


def test_a_password_the_site_refuses_is_named_and_nothing_is_made(world: World, oew: Request) -> None:
    token = invitation_link(world, oew)
    response = Client().post(f"/invitation-to-apply/{token}/", {"password": "short", "password_again": "short"})
    assert response.status_code == 200 and "Password is too short" in page_text(response)
    assert not User.objects.filter(email=oew.nominee.email).exists()
    assert Invitation.objects.get(token_sha256=token_digest(token)).used_at is None


def test_an_expired_link_says_so_and_whom_to_contact(world: World, oew: Request) -> None:
    token = invitation_link(world, oew, days=30)
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        client = Client()
        response = client.get(f"/invitation-to-apply/{token}/")
        page = page_text(response)
        assert response.status_code == 200
        assert "This invitation to apply expired on" in page
        assert f"Contact {world.org_a.name}" in page and oew.reference in page
        assert 'name="password"' not in page
        client.post(f"/invitation-to-apply/{token}/", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert not User.objects.filter(email=oew.nominee.email).exists()
    assert Invitation.objects.get(token_sha256=token_digest(token)).used_at is None


def test_a_used_link_says_it_works_once_and_to_sign_in(world: World, oew: Request) -> None:
    token = invitation_link(world, oew)
    Client().post(f"/invitation-to-apply/{token}/", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    response = Client().get(f"/invitation-to-apply/{token}/")
    page = page_text(response)
    assert response.status_code == 200
    assert "This link has already been used: it works once" in page and "Sign in" in page
    assert 'name="password"' not in page


def test_an_unknown_link_says_so_and_whom_to_contact(db: None) -> None:
    response = Client().get("/invitation-to-apply/not-a-token-we-sent/")
    page = page_text(response)
    assert response.status_code == 200
    assert "This link is not complete or not one we sent" in page and "Contact the employer" in page


def test_a_link_is_used_once_even_when_two_people_follow_it(world: World, oew: Request) -> None:
    token = invitation_link(world, oew)
    first, second = Client(), Client()
    first.post(f"/invitation-to-apply/{token}/", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    response = second.post(f"/invitation-to-apply/{token}/", {"password": "another long pass phrase",
                                                              "password_again": "another long pass phrase"})
    assert "already been used" in page_text(response)
    assert User.objects.get(email=oew.nominee.email).check_password(NEW_PASSWORD)
    # The second browser is not signed in as the worker.
    assert second.get(f"/requests/{oew.reference}/travel/").status_code == 302


def test_two_claims_that_both_passed_the_check_use_the_link_once(
    world: World, oew: Request, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = invitation_link(world, oew)
    user = User.objects.create_user(oew.nominee.email, PASSWORD, full_name="Ravi Kumar")
    # Both clicks read the invitation before either wrote: the second must lose at the conditional UPDATE.
    stale = claims.invitation_open(token)
    claims.invitation_claim(token=token, user=user)
    used_at = Invitation.objects.get(pk=stale.pk).used_at
    monkeypatch.setattr(claims, "invitation_open", lambda _token: stale)
    with pytest.raises(InvitationUnusable, match="already been used"):
        claims.invitation_claim(token=token, user=user)
    assert Invitation.objects.get(pk=stale.pk).used_at == used_at


def test_the_worker_s_own_second_click_goes_to_their_request_to_travel(world: World, oew: Request) -> None:
    token = invitation_link(world, oew)
    client = Client()
    client.post(f"/invitation-to-apply/{token}/", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    again = client.get(f"/invitation-to-apply/{token}/")
    assert again.status_code == 302 and again["Location"] == f"/requests/{oew.reference}/travel/"


def test_someone_with_an_account_signs_in_then_claims_the_invitation(world: World, oew: Request) -> None:
    user = User.objects.create_user(oew.nominee.email, PASSWORD, full_name="Ravi Kumar")
    token = invitation_link(world, oew)
    page = page_text(Client().get(f"/invitation-to-apply/{token}/"))
    assert "There is already an account" in page and f"/sign-in/?next=/invitation-to-apply/{token}/" in page
    assert 'name="password"' not in page
    client = signed_in(user)
    assert "Start your request to travel" in page_text(client.get(f"/invitation-to-apply/{token}/"))
    response = client.post(f"/invitation-to-apply/{token}/")
    assert response["Location"] == f"/requests/{oew.reference}/travel/"
    assert Person.objects.get(pk=oew.nominee_id).user == user


def test_someone_signed_in_with_another_address_cannot_claim_it(world: World, oew: Request) -> None:
    token = invitation_link(world, oew)
    client = signed_in(world.outsider)
    page = page_text(client.get(f"/invitation-to-apply/{token}/"))
    assert "but the invitation is for" in page and "Start your request to travel" not in page
    response = client.post(f"/invitation-to-apply/{token}/")
    assert "This invitation is for" in page_text(response)
    assert Invitation.objects.get(token_sha256=token_digest(token)).used_at is None
    assert Person.objects.get(pk=oew.nominee_id).user is None


def test_a_link_for_a_request_no_longer_invited_says_so(world: World, oew: Request) -> None:
    token = invitation_link(world, oew)
    walk(oew, [("withdraw", world.employer_a)])
    page = page_text(Client().get(f"/invitation-to-apply/{token}/"))
    assert "is withdrawn, so this invitation can no longer be used" in page
    with pytest.raises(InvitationUnusable):
        claims.invitation_claim(token=token, user=User.objects.create_user(oew.nominee.email, PASSWORD))


def test_the_worker_signs_in_later_and_sees_the_request_s_status(world: World, oew: Request, worker: User) -> None:
    client = Client()
    # django-axes counts every password sign-in by its request; a test's login hands it a blank one, as axes documents.
    assert client.login(request=HttpRequest(), username=worker.email, password=PASSWORD)
    page = page_text(client.get(f"/requests/{oew.reference}/"))
    assert "Invited to apply" in page and "Continue your request to travel" in page
    assert oew.reference in page_text(client.get("/requests/"))


# --- the task list and the happy path -----------------------------------------------------------------------------


def test_the_task_list_shows_what_is_done_and_what_cannot_start_yet(oew: Request, worker: User) -> None:
    client = signed_in(worker)
    page = page_text(client.get(f"/requests/{oew.reference}/travel/"))
    assert "Your personal details" in page and "Not yet started" in page
    # The passport is checked against the personal details, so it waits for them; declarations wait for all.
    assert page.count("Cannot start yet") == 3
    assert "Optional" in page  # the essential-worker scheme does not require the employment agreement


def test_the_personal_details_start_from_the_employer_s_record(oew: Request, worker: User) -> None:
    page = page_text(signed_in(worker).get(f"/requests/{oew.reference}/travel/personal-details/"))
    assert f'value="{oew.nominee.family_name}"' in page and 'value="1988"' in page


def test_a_worker_lodges_their_request_to_travel_through_the_pages(oew: Request, worker: User) -> None:
    client = signed_in(worker)
    base = f"/requests/{oew.reference}/travel"
    steps = [("personal-details", personal(oew), "passport"), ("passport", passport(oew), "employment-agreement"),
             ("journey", journey(), "declarations")]
    for step, values, following in steps:
        response = client.post(f"{base}/{step}/", posted(values))
        assert response.status_code == 302 and response["Location"] == f"{base}/{following}/", page_text(response)
    for member in (partner(), child()):
        response = client.post(f"{base}/family/add-{member['relationship']}/", posted(member))
        assert response["Location"] == f"{base}/family/"
    response = client.post(f"{base}/declarations/", {"true_and_complete": "on", "isolation": "on",
                                                     "consequences": "on"})
    assert response["Location"] == f"{base}/check/"
    check = page_text(client.get(f"{base}/check/"))
    assert "Anjali Kumar, your partner" in check and "Mei Kumar, dependent child" in check
    assert "MIQ-2020-48213" in check and "Lodge the request to travel" in check and "Not answered" not in check

    lodged = client.post(f"{base}/check/")
    assert lodged["Location"] == f"{base}/lodged/"
    assert "Request to travel lodged" in page_text(client.get(lodged["Location"]))
    assert Request.objects.get(pk=oew.pk).status == "travel_requested"
    event = Event.objects.filter(request=oew).order_by("-position").first()
    assert (event.transition, event.actor) == ("request_travel", worker)
    assert travel_of(oew).lodged_at is not None
    # A second click meets a request already lodged and is shown the confirmation.
    assert client.post(f"{base}/check/")["Location"] == f"{base}/lodged/"
    # Once lodged, the pages no longer change anything: they lead to the request's status.
    assert client.get(f"{base}/journey/")["Location"] == f"/requests/{oew.reference}/"


def test_save_and_come_back_later_returns_to_the_task_list(oew: Request, worker: User) -> None:
    response = signed_in(worker).post(f"/requests/{oew.reference}/travel/personal-details/",
                                      {**posted(personal(oew)), "later": "1"})
    assert response["Location"] == f"/requests/{oew.reference}/travel/"


# --- bad input ------------------------------------------------------------------------------------------------------


def test_a_travel_date_more_than_two_days_before_the_isolation_booking_is_refused(
    opened: TravelRequest, worker: User
) -> None:
    errors = refused(travel.journey_save, opened, by=worker, **journey(arrival_days=3))
    assert list(errors) == ["travel_date"] and "more than 2 days before" in errors["travel_date"]


def test_a_travel_date_after_the_isolation_booking_starts_is_refused(opened: TravelRequest, worker: User) -> None:
    errors = refused(travel.journey_save, opened, by=worker, **journey(arrival_days=-1))
    assert list(errors) == ["travel_date"] and "after your managed-isolation booking starts" in errors["travel_date"]


@pytest.mark.parametrize("days", [13, 15])
def test_an_isolation_stay_that_is_not_fourteen_days_is_refused(opened: TravelRequest, worker: User,
                                                                days: int) -> None:
    errors = refused(travel.journey_save, opened, by=worker, **journey(days=days))
    assert list(errors) == ["isolation_to"] and f"is {days} days; it must be 14" in errors["isolation_to"]


def test_the_journey_page_names_the_field_and_keeps_nothing(oew: Request, opened: TravelRequest,
                                                            worker: User) -> None:
    response = signed_in(worker).post(f"/requests/{oew.reference}/travel/journey/",
                                      posted(journey(days=10)))
    page = page_text(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert 'href="#id_isolation_to_day"' in page and "it must be 14" in page
    assert travel_of(oew).travel_date is None


def test_who_pays_for_isolation_is_one_the_scheme_allows(world: World, make_request: MakeRequest) -> None:
    tech = invited(world, make_request, scheme=TECH)
    worker = worker_of(world, tech)
    started = travel.travel_request_open(request=tech, by=worker)
    # The tech class's steps say the employer or the individual pays: no sponsoring agency.
    errors = refused(travel.journey_save, started, by=worker, **journey(paid_by="sponsoring_agency"))
    assert list(errors) == ["isolation_paid_by"]
    travel.journey_save(travel=started, by=worker, **journey(paid_by="worker"))
    assert travel_of(tech).isolation_paid_by == "worker"


def test_a_passport_expiring_before_travel_is_refused(opened: TravelRequest, oew: Request, worker: User) -> None:
    travel.journey_save(travel=opened, by=worker, **journey(leaves_in=20))
    errors = refused(travel.passport_save, travel_of(oew), by=worker,
                     **passport(oew, expiry=today() + dt.timedelta(days=15)))
    assert list(errors) == ["passport_expiry"] and "before the travel date: renew it" in errors["passport_expiry"]


def test_a_travel_date_after_someone_s_passport_expires_is_refused(
    opened: TravelRequest, oew: Request, worker: User
) -> None:
    travel.family_member_save(travel=opened, by=worker, **child(number="C7654321") | {
        "passport_expiry": today() + dt.timedelta(days=15),
        "passport_mrz": passport_line("C7654321", "IND", dt.date(2016, 6, 5), today() + dt.timedelta(days=15))})
    errors = refused(travel.journey_save, travel_of(oew), by=worker, **journey(leaves_in=20))
    assert list(errors) == ["travel_date"] and "Mei Kumar's passport expires" in errors["travel_date"]


def test_an_expired_family_passport_is_refused(opened: TravelRequest, worker: User) -> None:
    past = today() - dt.timedelta(days=1)
    errors = refused(travel.family_member_save, opened, by=worker, **partner() | {
        "passport_expiry": past, "passport_mrz": passport_line("P4455667", "IND", dt.date(1990, 1, 23), past)})
    assert list(errors) == ["passport_expiry"] and "passport expired on" in errors["passport_expiry"]


def test_a_dependent_child_over_the_scheme_s_age_limit_is_refused(opened: TravelRequest, worker: User) -> None:
    travel.journey_save(travel=opened, by=worker, **journey())
    leaves = journey()["travel_date"]
    born = years_before(leaves, 25) - dt.timedelta(days=1)
    errors = refused(travel.family_member_save, travel_of(opened.request), by=worker, **child(born=born))
    assert list(errors) == ["date_of_birth"]
    assert "will be 25 on the travel date" in errors["date_of_birth"]
    assert "24 or younger (Immigration NZ Operational Manual F4.20.1 / F5" in errors["date_of_birth"]


def test_the_child_age_limit_comes_from_the_scheme_parameter(
    opened: TravelRequest, worker: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = loader.schemes()[OEW]
    assert real.value("dependent_child_max_age", today()) == 24
    changed = dataclasses.replace(real, overrides={"dependent_child_max_age": 17}, _cache={})
    monkeypatch.setattr(travel_terms, "policy_of", lambda scheme: changed)
    errors = refused(travel.family_member_save, opened, by=worker, **child(born=dt.date(today().year - 18, 1, 1)))
    assert "a dependent child is 17 or younger" in errors["date_of_birth"]


def test_a_child_too_old_when_the_travel_date_is_set_later_is_refused_then(
    opened: TravelRequest, worker: User
) -> None:
    leaves = journey(leaves_in=30)["travel_date"]
    born = years_before(leaves, 25) - dt.timedelta(days=10)  # 24 today, 25 on the travel date
    travel.family_member_save(travel=opened, by=worker, **child(born=born))
    errors = refused(travel.journey_save, travel_of(opened.request), by=worker, **journey(leaves_in=30))
    assert list(errors) == ["travel_date"] and "Mei Kumar will be 25 on the travel date" in errors["travel_date"]


def test_wrong_mrz_check_digits_are_refused(oew: Request, worker: User) -> None:
    started = travel.travel_request_open(request=oew, by=worker)
    travel.personal_details_save(travel=started, by=worker, **personal(oew))
    good = passport(oew)["passport_mrz"]
    mistyped = good[:14] + ("1" if good[14] != "1" else "2") + good[15:]  # a digit of the date of birth
    errors = refused(travel.passport_save, travel_of(oew), by=worker, **passport(oew) | {"passport_mrz": mistyped})
    assert list(errors) == ["passport_mrz"] and "check digit" in errors["passport_mrz"]


def test_an_mrz_that_is_not_44_characters_is_refused(opened: TravelRequest, oew: Request, worker: User) -> None:
    errors = refused(travel.passport_save, opened, by=worker, **passport(oew) | {"passport_mrz": ICAO_SPECIMEN[:40]})
    assert list(errors) == ["passport_mrz"] and "44 characters" in errors["passport_mrz"]


def test_an_mrz_with_another_passport_number_is_refused(opened: TravelRequest, oew: Request, worker: User) -> None:
    values = passport(oew)
    errors = refused(travel.passport_save, opened, by=worker, **values | {"passport_number": "Z99999"})
    assert list(errors) == ["passport_number"]
    assert "does not match the machine-readable zone, which says " + oew.nominee.passport_number in (
        errors["passport_number"])


def test_an_mrz_with_another_expiry_is_refused(opened: TravelRequest, oew: Request, worker: User) -> None:
    values = passport(oew)
    errors = refused(travel.passport_save, opened, by=worker,
                     **values | {"passport_expiry": values["passport_expiry"] + dt.timedelta(days=1)})
    assert list(errors) == ["passport_expiry"] and "machine-readable zone" in errors["passport_expiry"]


def test_an_mrz_that_disagrees_with_the_personal_details_says_which_field(
    oew: Request, worker: User
) -> None:
    started = travel.travel_request_open(request=oew, by=worker)
    travel.personal_details_save(travel=started, by=worker, **personal(oew) | {"date_of_birth": dt.date(1988, 4, 13)})
    errors = refused(travel.passport_save, travel_of(oew), by=worker, **passport(oew))
    assert list(errors) == ["passport_mrz"]
    assert "date of birth 13 April 1988" in errors["passport_mrz"] and "personal details" in errors["passport_mrz"]


def test_personal_details_that_disagree_with_the_passport_entered_are_refused(
    opened: TravelRequest, oew: Request, worker: User
) -> None:
    errors = refused(travel.personal_details_save, opened, by=worker, **personal(oew) | {"nationality": "GBR"})
    assert list(errors) == ["nationality"] and "which says IND" in errors["nationality"]


def test_a_family_member_s_mrz_must_agree_with_their_details(opened: TravelRequest, worker: User) -> None:
    errors = refused(travel.family_member_save, opened, by=worker, **partner() | {"nationality": "NPL"})
    assert list(errors) == ["nationality"] and "machine-readable zone" in errors["nationality"]
    errors = refused(travel.family_member_save, opened, by=worker, **partner() | {"date_of_birth": dt.date(1990, 1,
                                                                                                            24)})
    assert list(errors) == ["date_of_birth"]


def test_the_passport_page_shows_the_mrz_error_at_the_field(oew: Request, opened: TravelRequest,
                                                            worker: User) -> None:
    response = signed_in(worker).post(f"/requests/{oew.reference}/travel/passport/",
                                      posted(passport(oew) | {"passport_mrz": ICAO_SPECIMEN}))
    page = page_text(response)
    assert response.status_code == 200 and 'href="#id_passport_number"' in page
    assert travel_of(oew).passport_mrz == passport(oew)["passport_mrz"]


def test_a_request_to_travel_has_at_most_one_partner(opened: TravelRequest, worker: User) -> None:
    travel.family_member_save(travel=opened, by=worker, **partner())
    errors = refused(travel.family_member_save, travel_of(opened.request), by=worker,
                     **person_again(partner(), "Priya", "P9988776"))
    assert list(errors) == ["__all__"] and "at most one" in errors["__all__"]


def person_again(values: dict[str, Any], given: str, number: str) -> dict[str, Any]:
    return values | {"given_names": given, "passport_number": number,
                     "passport_mrz": passport_line(number, "IND", values["date_of_birth"], values["passport_expiry"])}


def test_no_one_travels_with_me_cannot_be_said_with_people_added(opened: TravelRequest, worker: User) -> None:
    travel.family_member_save(travel=opened, by=worker, **child())
    errors = refused(travel.no_family_say, travel_of(opened.request), by=worker)
    assert list(errors) == ["no_family"]


def test_family_members_are_changed_and_removed(opened: TravelRequest, worker: User) -> None:
    member = travel.family_member_save(travel=opened, by=worker, **child())
    travel.family_member_save(travel=opened, by=worker, member=member, **person_again(child(), "Lian", "C1234567"))
    assert FamilyMember.objects.get(pk=member.pk).given_names == "Lian"
    travel.family_member_remove(travel=opened, by=worker, member=member)
    assert not FamilyMember.objects.filter(pk=member.pk).exists()


def test_missing_answers_are_listed_on_check_your_answers_with_links_and_nothing_is_lodged(
    oew: Request, opened: TravelRequest, worker: User
) -> None:
    client = signed_in(worker)
    base = f"/requests/{oew.reference}/travel"
    page = page_text(client.get(f"{base}/check/"))
    assert "Lodge the request to travel" not in page
    assert f'href="{base}/family/"' in page and f'href="{base}/journey/#id_travel_date_day"' in page
    assert f'href="{base}/declarations/#id_true_and_complete"' in page
    assert "Enter the travel date." in page and "Make the declarations." in page
    response = client.post(f"{base}/check/")
    assert response.status_code == 200 and "Your request to travel was not lodged" in page_text(response)
    assert Request.objects.get(pk=oew.pk).status == "invited" and travel_of(oew).lodged_at is None
    with pytest.raises(InvalidInput) as exc:
        travel.travel_lodge(travel=opened, by=worker)
    assert {"family.family", "journey.travel_date", "declarations.declarations"} <= set(exc.value.errors)


def test_a_tech_worker_cannot_lodge_without_the_signed_employment_agreement(
    world: World, make_request: MakeRequest
) -> None:
    tech = invited(world, make_request, scheme=TECH)
    worker = worker_of(world, tech)
    with pytest.raises(InvalidInput) as exc:
        travel.declarations_make(travel=filled(tech, worker, declared=False), by=worker)
    assert "employment agreement" in exc.value.errors["__all__"]
    travel.employment_agreement_add(travel=travel_of(tech), by=worker, upload=agreement_upload())
    travel.declarations_make(travel=travel_of(tech), by=worker)
    travel.travel_lodge(travel=travel_of(tech), by=worker)
    assert Request.objects.get(pk=tech.pk).status == "travel_requested"
    assert travel_of(tech).employment_agreement.kind == "employment_agreement"


def test_an_essential_worker_lodges_without_the_employment_agreement(oew: Request, worker: User) -> None:
    travel.travel_lodge(travel=filled(oew, worker, with_family=False), by=worker)
    assert Request.objects.get(pk=oew.pk).status == "travel_requested"


def test_a_change_after_declaring_asks_for_the_declarations_again(oew: Request, worker: User) -> None:
    declared = filled(oew, worker)
    assert declared.declared_at is not None
    travel.journey_save(travel=declared, by=worker, **journey(leaves_in=12))
    assert travel_of(oew).declared_at is None
    with pytest.raises(InvalidInput) as exc:
        travel.travel_lodge(travel=travel_of(oew), by=worker)
    assert list(exc.value.errors) == ["declarations.declarations"]


def test_a_travel_date_that_has_passed_by_lodging_is_refused_then(oew: Request, worker: User) -> None:
    declared = filled(oew, worker)
    with time_machine.travel(timezone.now() + dt.timedelta(days=11)), pytest.raises(InvalidInput) as exc:
        travel.travel_lodge(travel=declared, by=worker)
    assert "journey.travel_date" in exc.value.errors
    assert Request.objects.get(pk=oew.pk).status == "invited"


# --- the employment agreement through the evidence service ----------------------------------------------------------


def agreement_upload(name: str = "agreement.png", colour: tuple[int, int, int] = (20, 90, 200)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), colour).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_the_worker_adds_their_signed_agreement_while_invited(oew: Request, worker: User) -> None:
    opened = travel.travel_request_open(request=oew, by=worker)
    document = travel.employment_agreement_add(travel=opened, by=worker, upload=agreement_upload())
    assert (document.kind, document.uploaded_by, document.request) == ("employment_agreement", worker, oew)
    assert travel_of(oew).employment_agreement == document


def test_the_worker_adds_no_other_evidence_and_the_employer_none_while_invited(
    world: World, oew: Request, worker: User
) -> None:
    fresh = Request.objects.get(pk=oew.pk)
    with pytest.raises(Refused):
        documents.document_add(request=fresh, kind="evidence_of_need", upload=agreement_upload(), by=worker)
    with pytest.raises(NotEditable, match="cannot change now"):
        documents.document_add(request=fresh, kind="employment_agreement", upload=agreement_upload(),
                               by=world.employer_a)
    assert not Document.objects.filter(request=oew).exists()


def test_the_worker_adds_no_agreement_once_the_request_to_travel_is_lodged(oew: Request, worker: User) -> None:
    travel.travel_lodge(travel=filled(oew, worker), by=worker)
    with pytest.raises(Refused):
        documents.document_add(request=Request.objects.get(pk=oew.pk), kind="employment_agreement",
                               upload=agreement_upload(), by=worker)
    assert not Document.objects.filter(request=oew).exists()


def test_a_bad_agreement_file_is_named_on_the_page_and_not_kept(oew: Request, worker: User) -> None:
    travel.travel_request_open(request=oew, by=worker)
    bad = SimpleUploadedFile("agreement.pdf", b"not really a pdf", content_type="application/pdf")
    response = signed_in(worker).post(f"/requests/{oew.reference}/travel/employment-agreement/",
                                      {"file": bad, "upload": "1"})
    page = page_text(response)
    assert response.status_code == 200 and 'href="#id_file"' in page and "must be a PDF, PNG or JPEG" in page
    assert not Document.objects.filter(request=oew).exists() and travel_of(oew).employment_agreement is None
