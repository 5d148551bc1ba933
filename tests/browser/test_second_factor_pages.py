"""Two-step verification in a real browser: an assessor sets up an authenticator app at first sign-in and gives
its code next time; an employer turns it on from the account page. Every page checked with axe-core, and the set-up
works without JavaScript."""

from __future__ import annotations

import base64

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from bordercase.accounts.models import User
from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, World, totp_device, totp_ready

WRONG = "The code is not right: enter the 6-digit code your authenticator app shows now"


def key_from_page(pages: Pages) -> str:
    """The key as a person would read it, having opened "I cannot scan the QR code"."""
    pages.page.get_by_text("I cannot scan the QR code").click()
    shown = pages.page.locator("#secret-key")
    expect(shown).to_be_visible()
    return shown.inner_text().replace(" ", "")


def code_from_key(key: str) -> str:
    return f"{TOTP(base64.b32decode(key)).token():06d}"


def forget_wrong_codes(user: User) -> None:
    # A person takes more than the one second django-otp holds back after a wrong code; the test need not wait.
    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def test_an_assessor_sets_up_an_app_at_first_sign_in_and_gives_its_code_the_next_time(
    pages: Pages, world: World
) -> None:
    page = pages.page
    pages.sign_in(world.assessor_nztech.email, PASSWORD, second_step=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step verification")
    expect(page.get_by_role("img", name="QR code that adds bordercase to an authenticator app")).to_be_visible()
    expect(page.get_by_role("link", name="API tokens")).to_have_count(0)
    pages.assert_accessible("two-step-set-up")

    key = key_from_page(pages)
    page.get_by_label("Security code").fill("000000" if code_from_key(key) != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(WRONG)
    expect(page.locator("#id_code-error")).to_contain_text(WRONG)
    pages.assert_accessible("two-step-set-up-error")

    forget_wrong_codes(world.assessor_nztech)
    page.get_by_label("Security code").fill(code_from_key(key_from_page(pages)))
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests")
    page.get_by_role("link", name="Two-step verification").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("On")
    pages.assert_accessible("two-step-on-staff")

    page.get_by_role("button", name="Sign out").click()
    pages.sign_in(world.assessor_nztech.email, PASSWORD, second_step=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your authenticator app")
    expect(page.get_by_label("Security code")).to_have_attribute("autocomplete", "one-time-code")
    expect(page.get_by_label("Security code")).to_have_attribute("inputmode", "numeric")
    pages.assert_accessible("two-step-code")
    page.get_by_label("Security code").fill("12345")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the code as 6 digits, like 123456")
    pages.assert_accessible("two-step-code-error")
    pages.give_code(totp_ready(totp_device(world.assessor_nztech)))
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests")


def test_sign_in_completes_the_second_step_for_staff_twice_in_a_row(pages: Pages, world: World) -> None:
    # The helper other tests use: the same officer twice within one 30-second step still gets in.
    for _ in range(2):
        pages.sign_in(world.inz_officer.email, PASSWORD)
        expect(pages.page.get_by_role("heading", level=1)).to_have_text("Requests")
        pages.page.get_by_role("button", name="Sign out").click()


def test_an_employer_turns_it_on_from_the_account_page_and_is_asked_next_time(pages: Pages, world: World) -> None:
    page = pages.page
    pages.sign_in(world.employer_a.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests")
    page.get_by_role("link", name="Two-step verification").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Off")
    pages.assert_accessible("two-step-off")
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step verification")
    page.get_by_label("Security code").fill(code_from_key(key_from_page(pages)))
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Two-step verification is on")
    pages.assert_accessible("two-step-on")

    page.get_by_role("button", name="Sign out").click()
    pages.sign_in(world.employer_a.email, PASSWORD, second_step=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your authenticator app")
    pages.give_code(totp_ready(totp_device(world.employer_a)))
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests")


def test_setting_up_works_without_javascript(pages_without_javascript: Pages, world: World) -> None:
    pages = pages_without_javascript
    pages.sign_in(world.administrator.email, PASSWORD, second_step=False)
    expect(pages.page.get_by_role("heading", level=1)).to_have_text("Set up two-step verification")
    pages.page.get_by_label("Security code").fill(code_from_key(key_from_page(pages)))
    pages.page.get_by_role("button", name="Turn on two-step verification").click()
    expect(pages.page.get_by_role("heading", level=1)).to_have_text("Requests")
