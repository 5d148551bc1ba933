"""An administrator closes the tech scheme's intake in the browser, at 320 px wide, after reading what closing does;
the activity page then shows who did it and why. Each page is checked with axe-core."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from bordercase.cases.models import IntakeWindow, Scheme
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


def test_an_administrator_adds_the_next_window_at_320_px_from_the_errors_to_the_listing(
    pages: Pages, world: World
) -> None:
    page = pages.page
    page.set_viewport_size({"width": 320, "height": 800})
    pages.sign_in(world.administrator.email, PASSWORD)
    pages.goto("/administration/windows/")
    page.get_by_role("link", name="Add a window to Specialist tech workers class exception").click()
    page.get_by_role("button", name="Add the window").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the day the window opens")
    expect(summary).to_contain_text("Enter the day the window closes")
    pages.assert_accessible("admin-window-add-errors-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    next_year = timezone.localdate().year + 1
    for group, day in (("Opening date", "1"), ("Closing date", "28")):
        fields = page.get_by_role("group", name=group)
        fields.get_by_label("Day").fill(day)
        fields.get_by_label("Month").fill("2")
        fields.get_by_label("Year").fill(str(next_year))
    page.get_by_label("Opening time").fill("09:00")
    page.get_by_label("Why").fill("The second intake, announced to employers today.")
    page.get_by_role("button", name="Add the window").click()
    expect(page.locator("main")).to_contain_text(f"9:00 AM, 1 February {next_year}")
    page.get_by_role("link", name=re.compile(r"^Change Specialist tech workers class exception's window")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change")
    pages.assert_accessible("admin-window-change-320")
    assert IntakeWindow.objects.filter(scheme__code="tech-specialists-2022").count() == 2
