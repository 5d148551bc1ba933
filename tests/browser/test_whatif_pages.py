"""An administrator tries a what-if in Chromium: a bad value first (refused on its field in the error summary), then
fewer places and a category cap over the tech class's waiting entries, at 320 px wide and on a desktop; an employer
gets a 404. Each page is checked with axe-core."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.allocation_support import eligible
from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, World

TECH = "tech-specialists-2022"


def test_an_administrator_tries_fewer_places_and_a_category_cap(pages: Pages, world: World) -> None:
    waiting = [eligible(world) for _ in range(3)] + [eligible(world, answers={"anzsco_code": "262111"})]
    page = pages.page
    pages.sign_in(world.administrator.email, PASSWORD)
    pages.goto("/administration/what-if/")
    pages.assert_accessible("whatif-schemes")
    page.get_by_role("link", name="Specialist tech workers class exception").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("What if: Specialist tech workers")
    expect(page.get_by_label("Places", exact=True)).to_have_value("600")
    pages.assert_accessible("whatif-form")

    page.get_by_label("Places", exact=True).fill("lots")
    page.get_by_role("button", name="See what changes").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("places is a number, so it cannot be set to 'lots'")
    pages.assert_accessible("whatif-error")
    summary.get_by_role("link", name="places is a number").click()
    expect(page.get_by_label("Places", exact=True)).to_be_focused()

    page.set_viewport_size({"width": 320, "height": 800})
    page.get_by_label("Places", exact=True).fill("2")
    page.get_by_label("Ballot category caps").fill("2613: 1")
    page.get_by_role("button", name="See what changes").click()
    main = page.locator("main")
    expect(main).to_contain_text("0 of 4 lodged requests would change outcome")
    expect(main).to_contain_text("600 now; 2 as changed")
    categories = page.get_by_role("table", name="Places expected by category")
    expect(categories.get_by_role("row", name="2613")).to_contain_text("1.0")
    expect(categories.get_by_role("row", name="2621")).to_contain_text("1.0")
    chances = page.get_by_role("table", name="Chances of selection that change")
    for request in waiting[:3]:  # three programmers share the one place their category may take
        expect(chances.get_by_role("row", name=request.reference)).to_contain_text("0.33")
    expect(chances).not_to_contain_text(waiting[3].reference)  # the analyst's place is as certain as before
    pages.assert_accessible("whatif-report-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report as CSV").click()
    assert download.value.suggested_filename == f"what-if-{TECH}.csv"


def test_an_employer_gets_no_what_if(pages: Pages, world: World) -> None:
    pages.sign_in(world.employer_a.email, PASSWORD)
    response = pages.goto(f"/administration/what-if/{TECH}/")
    assert response.status == 404
