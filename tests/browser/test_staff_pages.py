"""An administrator invites a second NZTech assessor in the browser; the assessor signs up from the emailed link,
sets up an authenticator app and reaches the queue; the staff page then shows the app set up. Checked with axe."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Pages
from tests.browser.test_second_factor_pages import code_from_key, key_from_page
from tests.conftest import PASSWORD, MailServer, World
from tests.test_accounts import link_in


def test_an_administrator_invites_an_assessor_who_signs_up_with_a_second_factor(
    pages: Pages, browser: Browser, live_server: Any, world: World, smtp: MailServer
) -> None:
    page = pages.page
    pages.sign_in(world.administrator.email, PASSWORD)
    pages.goto("/administration/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff")
    pages.assert_accessible("admin-staff")
    page.get_by_role("link", name="Invite someone to NZTech").click()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the email address to invite")
    pages.assert_accessible("admin-staff-invite-error")
    page.get_by_label("Email address").fill("tama@nztech.example")
    page.get_by_label("Assessor").check()
    page.get_by_label("Why").fill("Declines need a second assessor to confirm them.")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("main")).to_contain_text("Invitation sent to tama@nztech.example")

    message = smtp.about("invited you")
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    newcomer = Pages(context.new_page(), live_server.url)
    newcomer.goto(link_in(message))
    expect(newcomer.page.locator("main")).to_contain_text("to work as assessor at NZTech")
    newcomer.assert_accessible("staff-invitation")
    newcomer.page.get_by_label("Full name").fill("Tama Ngata")
    newcomer.page.get_by_label("Create a password").fill(PASSWORD)
    newcomer.page.get_by_label("Type the password again").fill(PASSWORD)
    newcomer.page.get_by_role("button", name="Create account and accept").click()
    expect(newcomer.page.get_by_role("heading", level=1)).to_have_text("Set up two-step verification")
    newcomer.page.get_by_label("Security code").fill(code_from_key(key_from_page(newcomer)))
    newcomer.page.get_by_role("button", name="Turn on two-step verification").click()
    newcomer.goto("/assessment/")
    expect(newcomer.page.get_by_role("heading", level=1)).to_have_text("Assessment queue")
    context.close()

    pages.goto("/administration/staff/")
    expect(page.locator("main")).to_contain_text("tama@nztech.example")
    expect(page.locator("main")).to_contain_text("Authenticator app set up")
