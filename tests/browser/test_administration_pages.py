"""An administrator closes the tech scheme's intake in the browser, at 320 px wide, after reading what closing does;
the activity page then shows who did it and why. Each page is checked with axe-core."""

from __future__ import annotations

from playwright.sync_api import expect

from bordercase.cases.models import Scheme
from bordercase.cases.services.windows import scheme_intake
from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, World


def test_an_administrator_closes_intake_at_320_px_and_the_activity_says_why(pages: Pages, world: World) -> None:
    page = pages.page
    page.set_viewport_size({"width": 320, "height": 800})
    pages.sign_in(world.administrator.email, PASSWORD)
    pages.goto("/administration/windows/")
    pages.assert_accessible("admin-windows-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_role("link", name="Close now Specialist tech workers class exception's window").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("intake now")
    expect(page.locator("main")).to_contain_text("stops lodging at once")
    page.get_by_role("button", name="Close intake now").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why")
    pages.assert_accessible("admin-window-close-error-320")
    page.get_by_label("Why").fill("The 600 places are more than covered by the nominations lodged.")
    page.get_by_role("button", name="Close intake now").click()
    expect(page.locator("main")).to_contain_text("intake is closed")
    assert not scheme_intake(Scheme.objects.get(code="tech-specialists-2022")).is_open
    page.get_by_role("link", name="activity record").click()
    expect(page.locator("main")).to_contain_text("The 600 places are more than covered")
    expect(page.locator("main")).to_contain_text(world.administrator.email)
    pages.assert_accessible("admin-activity-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
