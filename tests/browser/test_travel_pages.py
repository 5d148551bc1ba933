"""The worker's request to travel in a real browser: the invitation link, a password, every task with a partner,
a child and the managed-isolation voucher, check your answers and lodging; and a link that has expired.

Every page on the way is checked with axe-core (through ``pages.assert_accessible``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from playwright.sync_api import expect

from bordercase.cases.models import Request
from bordercase.immigration.models import TravelRequest
from tests.browser.conftest import Pages
from tests.browser.test_intake_pages import png_bytes
from tests.conftest import World
from tests.travel_support import MakeRequest, child, invitation_link, invited, journey, partner, passport

NEW_PASSWORD = "kauri tree on the ridge at dawn"


def fill_date(within: Any, group: str, day: dt.date) -> None:
    """Type a date into the day, month and year boxes of the fieldset named ``group``."""
    fieldset = within.get_by_role("group", name=group)
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))


def fill_member(pages: Pages, values: dict[str, Any]) -> None:
    page = pages.page
    page.get_by_label("Given names").fill(values["given_names"])
    page.get_by_label("Family name").fill(values["family_name"])
    fill_date(page, "Date of birth", values["date_of_birth"])
    page.get_by_label("Nationality").select_option(values["nationality"])
    page.get_by_label("Passport number").fill(values["passport_number"])
    page.get_by_label("Country that issued the passport").select_option(values["passport_country"])
    fill_date(page, "Passport expiry date", values["passport_expiry"])
    page.get_by_label("Machine-readable zone, second line").fill(values["passport_mrz"])


def test_a_worker_follows_the_link_and_lodges_a_request_to_travel_with_their_family(
    pages: Pages, world: World, make_request: MakeRequest
) -> None:
    request = invited(world, make_request)
    page = pages.page
    pages.goto(f"/invitation-to-apply/{invitation_link(world, request)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your invitation to apply")
    expect(page.locator("main")).to_contain_text(world.org_a.name)
    pages.assert_accessible("travel-invitation")
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your request to travel")
    pages.assert_accessible("travel-task-list")
    page.get_by_role("link", name="Your personal details").click()
    expect(page.get_by_label("Family name")).to_have_value(request.nominee.family_name)
    pages.assert_accessible("travel-personal")
    page.get_by_label("Phone number").fill("+91 98765 43210")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your passport")
    pages.assert_accessible("travel-passport")
    own = passport(request)
    page.get_by_label("Country that issued the passport").select_option(own["passport_country"])
    fill_date(page, "Expiry date", own["passport_expiry"])
    mistyped = own["passport_mrz"][:9] + str((int(own["passport_mrz"][9]) + 1) % 10) + own["passport_mrz"][10:]
    page.get_by_label("Machine-readable zone, second line").fill(mistyped)
    page.get_by_role("button", name="Save and continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("check digit")
    pages.assert_accessible("travel-passport-error")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Machine-readable zone, second line")).to_be_focused()
    page.get_by_label("Machine-readable zone, second line").fill(own["passport_mrz"])
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your signed employment agreement")
    pages.assert_accessible("travel-agreement")
    page.get_by_label("Upload the signed employment agreement").set_input_files(
        {"name": "signed-agreement.png", "mimeType": "image/png", "buffer": png_bytes()})
    page.get_by_role("button", name="Upload file").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("signed-agreement.png")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Partner and dependent children")
    pages.assert_accessible("travel-family-empty")
    page.get_by_role("button", name="Add your partner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your partner")
    pages.assert_accessible("travel-partner")
    fill_member(pages, partner())
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Add a dependent child").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A dependent child")
    pages.assert_accessible("travel-child")
    fill_member(pages, child())
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-summary-card")).to_have_count(2)
    page.get_by_role("link", name="Remove Mei Kumar").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remove Mei Kumar")
    pages.assert_accessible("travel-family-remove")
    page.get_by_role("link", name="Keep them").click()
    expect(page.get_by_role("button", name="Add your partner")).to_have_count(0)  # at most one partner
    pages.assert_accessible("travel-family")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Travel date and managed isolation")
    pages.assert_accessible("travel-journey")
    trip = journey()
    fill_date(page, "Travel date", trip["travel_date"])
    page.get_by_label("Managed-isolation voucher reference").fill(trip["isolation_voucher"])
    fill_date(page, "Managed isolation starts", trip["isolation_from"])
    fill_date(page, "Managed isolation ends", trip["isolation_to"] - dt.timedelta(days=1))  # 13 days: refused
    page.get_by_label("My employer").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("it must be 14")
    pages.assert_accessible("travel-journey-error")
    fill_date(page, "Managed isolation ends", trip["isolation_to"])
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Declarations")
    pages.assert_accessible("travel-declarations")
    page.get_by_label(re.compile("^The information in this request to travel is true")).check()
    page.get_by_label(re.compile("^Everyone on this request will stay in managed isolation for the 14 days")).check()
    page.get_by_label(re.compile("^I understand that Immigration New Zealand may decline")).check()
    page.get_by_role("button", name="Make the declarations").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before lodging your request to "
                                                                 "travel")
    main = page.locator("main")
    for text in ("Anjali Kumar, your partner", "Mei Kumar, dependent child", "MIQ-2020-48213", "signed-agreement.png",
                 "My employer"):
        expect(main).to_contain_text(text)
    pages.assert_accessible("travel-check")
    page.get_by_role("button", name="Lodge the request to travel").click()

    expect(page.locator(".govuk-panel__title")).to_have_text("Request to travel lodged")
    expect(page.locator(".govuk-panel__body")).to_contain_text(request.reference)
    pages.assert_accessible("travel-lodged")
    assert Request.objects.get(pk=request.pk).status == "travel_requested"
    assert TravelRequest.objects.get(request=request).family.count() == 2

    page.get_by_role("link", name="See your request's status and history").click()
    expect(page.locator("main")).to_contain_text("Request to travel lodged")
    pages.assert_accessible("travel-request-status")


def test_an_expired_link_says_so_and_whom_to_contact(pages: Pages, world: World, make_request: MakeRequest) -> None:
    request = invited(world, make_request)
    pages.goto(f"/invitation-to-apply/{invitation_link(world, request, days=-1)}/")
    page = pages.page
    expect(page.get_by_role("heading", level=1)).to_have_text("This invitation link cannot be used")
    expect(page.locator("main")).to_contain_text("This invitation to apply expired on")
    expect(page.locator("main")).to_contain_text(f"Contact {world.org_a.name}")
    pages.assert_accessible("travel-link-expired")


def test_the_link_and_the_first_task_work_without_javascript(
    pages_without_javascript: Pages, world: World, make_request: MakeRequest
) -> None:
    pages = pages_without_javascript
    request = invited(world, make_request)
    page = pages.page
    pages.goto(f"/invitation-to-apply/{invitation_link(world, request)}/")
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password and continue").click()
    page.get_by_role("link", name="Your personal details").click()
    page.get_by_label("Phone number").fill("+91 98765 43210")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your passport")
    assert TravelRequest.objects.get(request=request).phone == "+91 98765 43210"
