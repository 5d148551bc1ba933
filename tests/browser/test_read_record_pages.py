"""Who looked (issue 20), in the browser at 320 px: the employer reads which organisations looked at their request,
and an administrator searches the record, through a search that needs fixing. Each page is checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bordercase.cases.models import Request
from bordercase.privacy import reads
from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, World, draft_made
from tests.walking import walk

pytestmark = pytest.mark.django_db(transaction=True)


def _looked_at(world: World) -> Request:
    """Kōwhai's nomination, opened by NZTech's assessor twice and by an Immigration NZ officer once."""
    found = walk(draft_made(world), [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech)])
    found = Request.objects.select_related("nominee").get(pk=found.pk)
    reads.record_read(world.assessor_nztech, found, f"{reads.REQUEST_DETAILS}: assessor's request page")
    reads.record_read(world.assessor_nztech, found, f"{reads.EVIDENCE}: employment_agreement 1")
    reads.record_read(world.inz_officer, found, f"{reads.REQUEST_DETAILS}: request page")
    return found


def test_the_employer_sees_which_organisations_looked_at_320_px(pages: Pages, world: World) -> None:
    found = _looked_at(world)
    page = pages.page
    page.set_viewport_size({"width": 320, "height": 800})
    pages.sign_in(world.employer_a.email, PASSWORD)
    pages.goto(f"/requests/{found.reference}/")
    section = page.get_by_role("region", name="Who has looked at this request")
    expect(section).to_be_visible()
    table = page.get_by_role("table", name="Organisations that looked")
    expect(table).to_contain_text("NZTech")
    expect(table).to_contain_text("Evidence uploaded with the request")
    expect(section).not_to_contain_text(world.assessor_nztech.full_name)
    pages.assert_accessible("who-looked-applicant-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_an_administrator_searches_the_record_at_320_px(pages: Pages, world: World) -> None:
    found = _looked_at(world)
    page = pages.page
    page.set_viewport_size({"width": 320, "height": 800})
    pages.sign_in(world.administrator.email, PASSWORD)
    pages.goto("/administration/reads/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who looked at requests")
    expect(page.locator("main")).to_contain_text("3 reads found")
    pages.assert_accessible("who-looked-search-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    since = page.get_by_role("group", name="From")
    since.get_by_label("Day").fill("31")
    since.get_by_label("Month").fill("2")
    since.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("From must be a real date")
    pages.assert_accessible("who-looked-search-error-320")

    since.get_by_label("Day").fill("")
    since.get_by_label("Month").fill("")
    since.get_by_label("Year").fill("")
    page.get_by_label("Request reference").fill(found.reference)
    page.get_by_label("Staff email address").fill("nztech")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main")).to_contain_text("2 reads found")
    expect(page.get_by_role("region", name="Reads found")).to_contain_text(world.assessor_nztech.email)
    expect(page.get_by_role("link", name="Download all 2 as CSV")).to_be_visible()
    pages.assert_accessible("who-looked-search-found-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
