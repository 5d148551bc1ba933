"""An employer signs up, confirms by the emailed link, sets up the organisation, invites a colleague who
accepts, and lodges a tech nomination with an upload: every page checked with axe-core."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, expect

from bordercase.accounts.models import Membership, Organisation, User
from bordercase.lib.identifiers import nzbn_with_check_digit
from tests.browser.conftest import Pages
from tests.browser.test_intake_pages import lodge_tech_nomination
from tests.conftest import PASSWORD, MailServer, World


def emailed_path(smtp: MailServer, address: str, count: int) -> str:
    smtp.wait_for(count)
    [message] = [m for m in smtp.to(address)][-1:]
    found = re.search(r"https?://[^/\s]+(/\S+)", message.get_content())
    assert found, "the email carries a link"
    return found.group(1)


def test_an_employer_signs_up_sets_up_the_organisation_invites_a_colleague_and_lodges(
    pages: Pages, world: World, smtp: MailServer, browser: Browser, live_server: Any
) -> None:
    page = pages.page
    pages.goto("/")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    pages.assert_accessible("account-sign-up")
    page.get_by_label("Full name").fill("Hana Tapsell")
    page.get_by_label("Email address").fill("hana@tui-data.example")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    pages.assert_accessible("account-check-email")
    pages.goto(emailed_path(smtp, "hana@tui-data.example", 1))
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you want to do?")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your email address is confirmed")
    pages.assert_accessible("account-ready")

    page.get_by_role("link", name="Set up your organisation").click()
    pages.assert_accessible("account-organisation-new")
    page.get_by_label("Organisation name").fill("Tūī Data Limited")
    page.get_by_label("New Zealand Business Number (NZBN)").fill("942904100009")  # one digit short
    page.get_by_role("button", name="Set up organisation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("NZBN")
    pages.assert_accessible("account-organisation-error")
    nzbn = nzbn_with_check_digit("942904100099")
    page.get_by_label("New Zealand Business Number (NZBN)").fill(nzbn)
    page.get_by_role("button", name="Set up organisation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tūī Data Limited")
    page.get_by_label("Colleague's email address").fill("wiremu@tui-data.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("wiremu@tui-data.example")
    pages.assert_accessible("account-organisation")

    colleague = Pages(browser.new_context().new_page(), live_server.url)
    colleague.goto(emailed_path(smtp, "wiremu@tui-data.example", 2))
    expect(colleague.page.get_by_role("heading", level=1)).to_have_text("Act for Tūī Data Limited")
    colleague.assert_accessible("account-invitation")
    colleague.page.get_by_label("Full name").fill("Wiremu Parata")
    colleague.page.get_by_label("Create a password").fill(PASSWORD)
    colleague.page.get_by_label("Type the password again").fill(PASSWORD)
    colleague.page.get_by_role("button", name="Create account and accept").click()
    expect(colleague.page.get_by_role("heading", level=1)).to_have_text("Tūī Data Limited")
    expect(colleague.page.locator("main")).to_contain_text("Hana Tapsell")
    colleague.page.context.close()

    organisation = Organisation.objects.get(nzbn=nzbn)
    assert set(Membership.objects.filter(organisation=organisation).values_list("user__email", flat=True)) == {
        "hana@tui-data.example", "wiremu@tui-data.example"}
    request = lodge_tech_nomination(pages)
    assert request.organisation == organisation
    assert request.created_by == User.objects.get(email="hana@tui-data.example")
    receipt = [m for m in smtp.wait_for(4) if "has been lodged" in str(m["Subject"])]
    assert {str(m["To"]) for m in receipt} == {"hana@tui-data.example", "wiremu@tui-data.example"}


def test_a_forgotten_password_is_set_again_from_the_emailed_link(
    pages: Pages, world: World, smtp: MailServer
) -> None:
    page = pages.page
    pages.goto("/sign-in/")
    page.get_by_role("link", name="Set a new one").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set a new password")
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your email address")
    pages.assert_accessible("account-password-reset-error")
    page.get_by_label("Email address").fill(world.employer_a.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    pages.assert_accessible("account-password-reset-sent")

    link = emailed_path(smtp, world.employer_a.email, 1)
    pages.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a new password")
    new = "kete harakeke tuatara moana"
    page.get_by_label("Create a password").fill(new)
    page.get_by_label("Type the password again").fill("something else")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The passwords do not match")
    pages.assert_accessible("account-password-new-error")
    page.get_by_label("Create a password").fill(new)
    page.get_by_label("Type the password again").fill(new)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password has been changed")
    pages.assert_accessible("account-password-done")

    response = pages.goto(link)
    assert response is not None and response.status == 400
    pages.console_errors.clear()  # Chromium logs the page's own 400 status; that one is expected.
    expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    expect(page.locator("main")).to_contain_text("already been used")
    pages.assert_accessible("account-link-unusable")
    pages.sign_in(world.employer_a.email, new)
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests")
