"""Lodging in a real browser: an employer's tech nomination with an upload, an individual's family EOI, errors.

Every page on the way is checked with axe-core (through ``pages.assert_accessible``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from bordercase.cases.models import Document, IntakeWindow, Request
from bordercase.cases.services.scheme_cache import schemes_changed
from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, World
from tests.walking import walk


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def fill_person(within: Any, *, given: str, family: str, day: str, month: str, year: str, nationality: str,
                passport: str | None = None, email: str | None = None) -> None:
    """Fill a person's fields inside ``within``: the whole page, or one fieldset such as "Child 1"."""
    within.get_by_label("Given names").fill(given)
    within.get_by_label("Family name").fill(family)
    within.get_by_label("Day").fill(day)
    within.get_by_label("Month").fill(month)
    within.get_by_label("Year").fill(year)
    within.get_by_label("Nationality").select_option(nationality)
    if passport is not None:
        within.get_by_label("Passport number").fill(passport)
    if email is not None:
        within.get_by_label("Email address").fill(email)


def test_an_employer_lodges_a_tech_nomination_with_an_upload_and_sees_it_on_their_dashboard(
    pages: Pages, world: World
) -> None:
    pages.sign_in(world.employer_a.email, PASSWORD)
    lodged = lodge_tech_nomination(pages)
    stored = Request.objects.get(pk=lodged.pk)
    assert stored.status == "lodged" and stored.organisation == world.org_a
    assert Document.objects.filter(request=stored).count() == 1


def lodge_tech_nomination(pages: Pages) -> Request:
    """From any signed-in page of an employer: start, fill in every task, upload, lodge, see it on the dashboard."""
    page = pages.page
    page.get_by_role("link", name="Start a request").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a request")
    pages.assert_accessible("intake-start")
    page.get_by_label("Specialist tech workers class exception").check()
    page.get_by_role("button", name="Start the request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Nominate a worker")
    pages.assert_accessible("intake-task-list")
    page.get_by_role("link", name="The worker's details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The worker's details")
    pages.assert_accessible("intake-person")
    fill_person(page, given="Emily", family="Hartley", day="3", month="9", year="1985", nationality="GBR",
                passport="533201987", email="emily.hartley@example.com")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Who will assess the request?")
    pages.assert_accessible("intake-assessing-body")
    page.get_by_label("IT Professionals NZ").check()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Answer the scheme's questions")
    pages.assert_accessible("intake-questions")
    page.get_by_label(re.compile("^ANZSCO code of the role")).fill("261313")
    page.get_by_label(re.compile("^Annual salary in New Zealand dollars")).fill("145,000")
    page.get_by_role("group", name="Have you and the worker signed an employment agreement?").get_by_label(
        "Yes").check()
    page.get_by_label("Summer of Tech").check()
    page.get_by_label("NZTech").check()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("What the scheme's rules found")
    expect(page.locator("main")).to_contain_text("likely eligible")
    pages.assert_accessible("intake-pre-assessment")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Upload evidence")
    pages.assert_accessible("intake-evidence")
    page.get_by_label("The signed employment agreement").check()
    page.get_by_label("Upload a file").set_input_files(
        {"name": "agreement.png", "mimeType": "image/png", "buffer": png_bytes()})
    page.get_by_role("button", name="Upload file").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("agreement.png")
    pages.assert_accessible("intake-evidence-uploaded")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before lodging")
    expect(page.locator("main")).to_contain_text("Emily Hartley")
    expect(page.locator("main")).to_contain_text("NZ$145,000")
    pages.assert_accessible("intake-check")
    page.get_by_label("I declare that the information in this request is true and complete").check()
    page.get_by_role("button", name="Lodge the request").click()

    expect(page.locator(".govuk-panel__title")).to_have_text("Request lodged")
    # Passport numbers are sealed, so the database cannot look one up: the request is found by its nominee's.
    (request,) = [r for r in Request.objects.select_related("nominee")
                  if r.nominee and r.nominee.passport_number == "533201987"]
    expect(page.locator(".govuk-panel__body")).to_contain_text(request.reference)
    pages.assert_accessible("intake-lodged")
    assert request.status == "lodged" and request.assessing_body.code == "itpnz"
    assert Document.objects.filter(request=request, kind="employment_agreement").count() == 1

    page.get_by_role("link", name="Back to your requests").click()
    row = page.get_by_role("row").filter(has_text=request.reference)
    expect(row).to_contain_text("Lodged")
    expect(row).to_contain_text("Emily Hartley")
    return request


def test_an_individual_lodges_a_family_expression_of_interest_with_partner_and_children(
    pages: Pages, world: World
) -> None:
    page = pages.page
    pages.sign_in(world.individual.email, PASSWORD)
    page.get_by_role("link", name="Start a request").first.click()
    page.get_by_label("Family", exact=True).check()
    page.get_by_role("button", name="Start the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your expression of interest")

    page.get_by_role("link", name="Your details").click()
    expect(page.get_by_label("Email address")).to_have_value(world.individual.email)
    fill_person(page, given="Li", family="Wei", day="21", month="3", year="1990", nationality="CHN",
                passport="E12345678")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Answer the scheme's questions")
    page.get_by_label(re.compile("^Why do you need to travel to New Zealand")).fill(
        "My husband is a New Zealand citizen living in Auckland and our children are at school there.")
    fill_person(page.get_by_role("group", name=re.compile("^Your partner")), given="Tama", family="Wei", day="2",
                month="11", year="1988", nationality="NZL")
    fill_person(page.get_by_role("group", name="Child 1"), given="Mei", family="Wei", day="5", month="6",
                year="2016", nationality="NZL")
    pages.assert_accessible("eoi-questions")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("What the scheme's rules found")
    expect(page.locator("main")).to_contain_text("needs an assessor's review")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # no evidence: it is optional for the family category

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before lodging")
    expect(page.locator("main")).to_contain_text("Tama Wei")
    expect(page.locator("main")).to_contain_text("Mei Wei")
    pages.assert_accessible("eoi-check")
    page.get_by_label("I declare that the information in this request is true and complete").check()
    page.get_by_role("button", name="Lodge the request").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Expression of interest lodged")
    pages.assert_accessible("eoi-lodged")

    request = Request.objects.get(created_by=world.individual)
    assert request.status == "lodged" and request.organisation is None
    assert request.answers["partner"]["given_names"] == "Tama"
    assert [c["given_names"] for c in request.answers["dependent_children"]] == ["Mei"]


def test_a_form_error_shows_the_error_summary_linked_to_the_field(pages: Pages, world: World) -> None:
    page = pages.page
    pages.sign_in(world.employer_a.email, PASSWORD)
    page.get_by_role("link", name="Start a request").first.click()
    page.get_by_role("button", name="Start the request").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the scheme the request is under")
    expect(page).to_have_title(re.compile(r"^Error: "))
    pages.assert_accessible("intake-start-error")

    page.get_by_label("Specialist tech workers class exception").check()
    page.get_by_role("button", name="Start the request").click()
    page.get_by_role("link", name="Answer the scheme's questions").click()
    page.get_by_label(re.compile("^Annual salary in New Zealand dollars")).fill("a lot")
    page.get_by_role("button", name="Save and continue").click()
    expect(summary).to_contain_text("Annual salary")
    pages.assert_accessible("intake-questions-error")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label(re.compile("^Annual salary in New Zealand dollars"))).to_be_focused()
    assert Request.objects.get().answers == {}


def test_the_lodging_pages_work_without_javascript(pages_without_javascript: Pages, world: World) -> None:
    pages = pages_without_javascript
    page = pages.page
    pages.sign_in(world.employer_a.email, PASSWORD)
    page.goto(pages.base_url + "/start-request/")
    page.get_by_label("Other essential worker").check()
    page.get_by_role("button", name="Start the request").click()
    page.get_by_role("link", name="The worker's details").click()
    fill_person(page, given="Jonas", family="Berg", day="1", month="2", year="1979", nationality="NOR",
                passport="NO1234567", email="jonas@example.com")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Answer the scheme's questions")
    assert Request.objects.get().nominee.passport_number == "NO1234567"


def test_a_draft_whose_window_closed_says_so_and_a_lodged_request_can_be_withdrawn(
    pages: Pages, world: World, make_request: Any
) -> None:
    page = pages.page
    draft, lodged = make_request(), make_request()
    walk(lodged, [("lodge", world.employer_a)])
    IntakeWindow.objects.filter(scheme__code="tech-specialists-2022").update(
        closes_at=timezone.now() - dt.timedelta(minutes=1))
    schemes_changed()  # an update sends no signal: tell the scheme cache, as the window services' saving does
    pages.sign_in(world.employer_a.email, PASSWORD)

    pages.goto(f"/requests/{draft.reference}/")
    expect(page.locator(".govuk-warning-text")).to_contain_text("closed to new requests")
    pages.assert_accessible("intake-task-list-closed")
    pages.goto(f"/requests/{draft.reference}/check/")
    page.get_by_label("I declare that the information in this request is true and complete").check()
    page.get_by_role("button", name="Lodge the request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("is not taking requests now")
    pages.assert_accessible("intake-window-closed")
    assert Request.objects.get(pk=draft.pk).status == "draft"

    pages.goto(f"/requests/{lodged.reference}/")
    page.get_by_role("link", name="Withdraw this request").click()
    pages.assert_accessible("intake-withdraw")
    page.get_by_label("Why are you withdrawing the request? (optional)").fill("The worker took another offer.")
    page.get_by_role("button", name="Withdraw the request").click()
    expect(page.locator("main")).to_contain_text("Withdrawn")
    assert Request.objects.get(pk=lodged.pk).status == "withdrawn"
