"""The page shown once wrong passwords lock an account, checked with axe-core."""

from __future__ import annotations

from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, World


def test_a_locked_account_is_told_when_to_try_again_and_how_to_get_in_sooner(pages: Pages, world: World) -> None:
    page = pages.page
    for _ in range(settings.SIGN_IN_ACCOUNT_FAILURE_LIMIT - 1):
        pages.sign_in(world.employer_a.email, "not the password at all")
        expect(page.locator(".govuk-error-summary")).to_contain_text("do not match an account")
    pages.sign_in(world.employer_a.email, "not the password at all")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in for now")
    pages.sign_in(world.employer_a.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in for now")
    expect(page.locator("main")).to_contain_text("This account is locked")
    expect(page.locator("main")).to_contain_text("(New Zealand time), in 15 minutes")
    assert all("status of 429" in error for error in pages.console_errors)
    pages.console_errors.clear()  # Chromium logs the pages' own 429 status; those are expected.
    pages.assert_accessible("sign-in-locked")
    page.get_by_role("link", name="Set a new password").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url.endswith("/password-reset/?email=aroha%40kowhai.example")
    expect(page.locator("input[type=email]")).to_have_value("aroha@kowhai.example")
