"""Two-step verification: staff must give a code from an authenticator app after their password; anyone else may
turn it on, and is then asked every time."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from bordercase.accounts.models import ApiToken, User
from bordercase.cases.models import Request
from tests.conftest import PASSWORD, World, totp_code, totp_device, totp_ready
from tests.walking import walk

CODE_PAGE = "/sign-in/code/"
SET_UP_PAGE = "/account/two-step/set-up/"
WRONG = "The code is not right: enter the 6-digit code your authenticator app shows now"


def password_only(user: User) -> Client:
    """A client that has signed in through the sign-in page with the password and nothing more."""
    client = Client()
    response = client.post("/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, "the password was accepted"
    return client


def shown_key(page: str) -> str:
    found = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page)
    assert found, "the set-up page shows the key for typing into an app"
    return found.group(1).replace(" ", "")


def code_from_key(key: str) -> str:
    """What an authenticator app given this base-32 key shows now."""
    return f"{TOTP(base64.b32decode(key)).token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if totp_code(device) != "000000" else "111111"


def reaches_requests(client: Client) -> bool:
    return client.get("/requests/").status_code == 200


# --- staff -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["assessor_nztech", "inz_officer", "administrator"])
def test_staff_signed_in_with_a_password_alone_are_sent_to_set_up_an_app(world: World, persona: str) -> None:
    client = password_only(world.actor(persona))
    response = client.get("/requests/?page=2")
    assert response.status_code == 302
    assert response["Location"] == f"{SET_UP_PAGE}?next=%2Frequests%2F%3Fpage%3D2"
    assert client.get("/account/two-step/").status_code == 302  # the account pages too


def test_a_superuser_without_a_role_is_staff_too(world: World) -> None:
    User.objects.create_superuser("root@bordercase.example", PASSWORD, full_name="Root")
    client = password_only(User.objects.get(email="root@bordercase.example"))
    assert client.get("/requests/")["Location"].startswith(SET_UP_PAGE)


def test_an_assessor_sets_up_an_app_from_the_shown_key_and_then_reaches_the_requests(world: World) -> None:
    client = password_only(world.assessor_nztech)
    response = client.get(f"{SET_UP_PAGE}?next=/requests/")
    page = response.content.decode()
    # The QR code is drawn on the server as inline SVG: nothing for the CSP to block, no script needed.
    assert re.search(r'<svg role="img"[^>]*class="bc-qr-code"><title>QR code', page)
    assert "data:image" not in page and "<script>" not in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"], "the page holds the secret key"
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    nav = re.search(r'<nav aria-label="Menu".*?</nav>', page, re.S)
    assert nav and "API tokens" not in nav.group(0), "pages out of reach are not offered"
    assert not reaches_requests(client)

    key = shown_key(page)
    response = client.post(SET_UP_PAGE, {"code": code_from_key(key), "next": "/requests/"})
    assert response.status_code == 302 and response["Location"] == "/requests/"
    assert reaches_requests(client)
    device = TOTPDevice.objects.get(user=world.assessor_nztech)
    assert device.confirmed and base64.b32encode(device.bin_key).decode() == key


def test_the_set_up_page_shows_the_same_key_until_it_is_confirmed(world: World) -> None:
    client = password_only(world.inz_officer)
    first = shown_key(client.get(SET_UP_PAGE).content.decode())
    assert shown_key(client.get(SET_UP_PAGE).content.decode()) == first
    assert TOTPDevice.objects.filter(user=world.inz_officer).count() == 1


def test_staff_with_an_app_are_asked_for_its_code_after_the_password(world: World) -> None:
    device = totp_device(world.administrator)
    client = password_only(world.administrator)
    response = client.get("/requests/")
    assert response["Location"] == f"{CODE_PAGE}?next=%2Frequests%2F"
    page = client.get(response["Location"]).content.decode()
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    response = client.post(CODE_PAGE, {"code": totp_ready(device), "next": "/requests/"})
    assert response["Location"] == "/requests/"
    assert reaches_requests(client)


def test_a_code_typed_with_spaces_is_accepted(world: World) -> None:
    device = totp_device(world.assessor_itpnz)
    client = password_only(world.assessor_itpnz)
    code = totp_ready(device)
    assert client.post(CODE_PAGE, {"code": f" {code[:3]} {code[3:]} "}).status_code == 302
    assert reaches_requests(client)


@pytest.mark.parametrize("page", [CODE_PAGE, SET_UP_PAGE])
def test_a_wrong_code_is_refused_naming_the_field_and_what_to_do_and_verifies_nothing(
    world: World, page: str
) -> None:
    if page == CODE_PAGE:
        totp_device(world.assessor_nztech)
    client = password_only(world.assessor_nztech)
    device = TOTPDevice.objects.get(user=world.assessor_nztech) if page == CODE_PAGE else None
    response = client.post(page, {"code": wrong_code(device) if device else "000000", "next": "/requests/"})
    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert '<h2 class="govuk-error-summary__title">There is a problem</h2>' in body
    assert f'<a href="#id_code">{WRONG}</a>' in body, "the error summary links to the code field"
    assert f'<span class="govuk-visually-hidden">Error:</span> {WRONG}' in body
    assert body.startswith("<!DOCTYPE html>") and "<title>Error: " in body
    assert not reaches_requests(client)
    assert not TOTPDevice.objects.filter(user=world.assessor_nztech, confirmed=True).exclude(
        pk=getattr(device, "pk", None)).exists(), "a wrong code confirms no app"


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Enter the 6-digit code your authenticator app shows"),
    ("12345", "Enter the code as 6 digits, like 123456"),
    ("12345a", "Enter the code as 6 digits, like 123456"),
])
def test_a_code_that_is_not_six_digits_says_how_to_type_it(world: World, typed: str, message: str) -> None:
    totp_device(world.assessor_nztech)
    client = password_only(world.assessor_nztech)
    body = client.post(CODE_PAGE, {"code": typed}).content.decode()
    assert f'<a href="#id_code">{message}</a>' in body


def test_a_code_already_used_cannot_be_used_again(world: World) -> None:
    device = totp_device(world.assessor_nztech)
    code = totp_ready(device)
    first = password_only(world.assessor_nztech)
    assert first.post(CODE_PAGE, {"code": code}).status_code == 302
    # Someone who saw that code over the assessor's shoulder, and knows the password, gets no further.
    second = password_only(world.assessor_nztech)
    assert WRONG in html.unescape(second.post(CODE_PAGE, {"code": code}).content.decode())
    assert not reaches_requests(second)


def test_wrong_codes_are_throttled_and_the_page_says_how_long_to_wait(world: World) -> None:
    device = totp_device(world.assessor_nztech)
    client = password_only(world.assessor_nztech)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert WRONG in html.unescape(client.post(CODE_PAGE, {"code": wrong_code(device)}).content.decode())
        # Straight after a wrong code even the right one is not tried, so codes cannot be guessed quickly.
        body = html.unescape(client.post(CODE_PAGE, {"code": totp_code(device)}).content.decode())
        assert ("You have entered a wrong code too many times: wait 1 second, then enter the code your "
                "authenticator app shows") in body
        assert not reaches_requests(client)
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        assert client.post(CODE_PAGE, {"code": totp_code(device)}).status_code == 302
    assert reaches_requests(client)


def test_each_wrong_code_doubles_the_wait(world: World) -> None:
    device = totp_device(world.inz_officer)
    client = password_only(world.inz_officer)
    moment = timezone.now()
    for failures in range(1, 9):
        with time_machine.travel(moment, tick=False):
            assert WRONG in html.unescape(client.post(CODE_PAGE, {"code": wrong_code(device)}).content.decode())
        moment += timedelta(seconds=2 ** (failures - 1))
    with time_machine.travel(moment - timedelta(seconds=120), tick=False):
        body = html.unescape(client.post(CODE_PAGE, {"code": totp_code(device)}).content.decode())
    assert "wait 2 minutes, then enter the code" in body  # the 8th wrong code locks for 128 s; 120 s are left
    device.refresh_from_db()
    assert device.throttling_failure_count == 8


def test_the_api_tokens_page_needs_the_second_step(world: World, staff_client: Callable[[User], Client]) -> None:
    client = password_only(world.assessor_nztech)
    response = client.post("/account/api-tokens/", {"action": "create", "name": "HR system"})
    assert response.status_code == 302 and response["Location"].startswith(SET_UP_PAGE)
    assert not ApiToken.objects.filter(user=world.assessor_nztech).exists()

    verified = staff_client(world.assessor_nztech)
    response = verified.post("/account/api-tokens/", {"action": "create", "name": "HR system"})
    assert response.status_code == 200 and "Token created" in response.content.decode()
    assert ApiToken.objects.filter(user=world.assessor_nztech).count() == 1


def test_api_bearer_tokens_still_work_for_staff(
    world: World, make_request: Callable[..., Request], api_client: Callable[[User], Client]
) -> None:
    lodged = walk(make_request(), [("lodge", world.employer_a)])
    response = api_client(world.assessor_nztech).get("/api/v1/requests")
    assert response.status_code == 200
    assert [r["reference"] for r in response.json()["items"]] == [lodged.reference]
    # A session that gave only a password is no way into the API: it authenticates by token alone.
    assert password_only(world.assessor_nztech).get("/api/v1/requests").status_code == 401


def test_a_person_waiting_for_the_second_step_can_still_sign_out(world: World) -> None:
    client = password_only(world.assessor_nztech)
    assert client.post("/sign-out/")["Location"] == "/"
    assert client.get("/requests/")["Location"].startswith("/sign-in/")


# --- where to go next -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/requests/", "http:evil.example",
                                       "/\\evil.example", "javascript:alert(1)"])
def test_next_cannot_send_anyone_off_the_site(world: World, elsewhere: str) -> None:
    device = totp_device(world.assessor_nztech)
    client = password_only(world.assessor_nztech)
    page = client.get(CODE_PAGE, {"next": elsewhere}).content.decode()
    assert "evil" not in page and "javascript" not in page
    response = client.post(CODE_PAGE, {"code": totp_ready(device), "next": elsewhere})
    assert response.status_code == 302 and response["Location"] == "/requests/"


def test_next_after_setting_up_cannot_send_anyone_off_the_site(world: World) -> None:
    client = password_only(world.inz_officer)
    key = shown_key(client.get(SET_UP_PAGE, {"next": "https://evil.example/"}).content.decode())
    response = client.post(SET_UP_PAGE, {"code": code_from_key(key), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/requests/"


def test_next_keeps_a_page_of_this_site(world: World, make_request: Callable[..., Request]) -> None:
    lodged = walk(make_request(), [("lodge", world.employer_a)])
    device = totp_device(world.assessor_nztech)
    client = password_only(world.assessor_nztech)
    asked = client.get(f"/requests/{lodged.reference}/")
    assert asked["Location"] == f"{CODE_PAGE}?next=%2Frequests%2F{lodged.reference}%2F"
    response = client.post(CODE_PAGE, {"code": totp_ready(device), "next": f"/requests/{lodged.reference}/"})
    assert response["Location"] == f"/requests/{lodged.reference}/"


# --- everyone else ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["employer_a", "individual"])
def test_someone_who_has_not_turned_it_on_signs_in_with_a_password_alone(world: World, persona: str) -> None:
    client = password_only(world.actor(persona))
    assert reaches_requests(client)
    page = client.get("/account/two-step/").content.decode()
    assert '<strong class="govuk-tag govuk-tag--grey">Off</strong>' in page
    assert f'href="{SET_UP_PAGE}"' in page
    # Nothing to give, so the code page sends them on.
    assert client.get(CODE_PAGE)["Location"] == "/requests/"


def test_an_employer_who_turns_it_on_is_asked_for_the_code_next_time(world: World) -> None:
    client = password_only(world.employer_a)
    page = client.get(SET_UP_PAGE).content.decode()
    assert "You work for an assessing body" not in page
    response = client.post(SET_UP_PAGE, {"code": code_from_key(shown_key(page))})
    assert response["Location"] == "/account/two-step/"
    page = client.get("/account/two-step/").content.decode()
    assert "Two-step verification is on." in page and '<strong class="govuk-tag govuk-tag--green">On</strong>' in page
    assert reaches_requests(client), "the session that set it up is verified"

    client.post("/sign-out/")
    again = password_only(world.employer_a)
    assert again.get("/requests/")["Location"] == f"{CODE_PAGE}?next=%2Frequests%2F"
    device = TOTPDevice.objects.get(user=world.employer_a)
    assert again.post(CODE_PAGE, {"code": totp_ready(device)}).status_code == 302
    assert reaches_requests(again)


def test_a_password_alone_cannot_replace_an_app_already_set_up(world: World) -> None:
    device = totp_device(world.employer_a)
    client = password_only(world.employer_a)
    response = client.get(SET_UP_PAGE)
    assert response.status_code == 302 and response["Location"].startswith(CODE_PAGE)
    assert client.post(SET_UP_PAGE, {"code": "123456"})["Location"].startswith(CODE_PAGE)
    assert list(TOTPDevice.objects.filter(user=world.employer_a)) == [device]


def test_the_account_page_says_it_is_on_for_staff_and_why(world: World, staff_client: Callable[[User], Client]) -> None:
    page = staff_client(world.assessor_nztech).get("/account/two-step/").content.decode()
    assert '<strong class="govuk-tag govuk-tag--green">On</strong>' in page
    assert "must use it because you work for an assessing body" in page
    assert SET_UP_PAGE not in page
