"""The job-title coder and the assessor recording a request's occupation, in a real Chromium, checked with axe-core.

The coder is a public page that needs no JavaScript and fits 320 px; the assessor chooses among the candidates
their nomination's title could be, and the rules then read the occupation they found.
"""

from __future__ import annotations

from playwright.sync_api import expect

from bordercase.accounts.organisations import organisation_by_code
from bordercase.cases.models import Event, OccupationFinding, Scheme
from bordercase.cases.services import assessment
from bordercase.cases.services.requests import request_create
from tests.browser.conftest import Pages
from tests.conftest import ANSWERS, PASSWORD, World, nominee
from tests.walking import walk


def test_anyone_codes_a_title_at_320_px_and_the_page_is_accessible(pages: Pages, world: World) -> None:
    page = pages.page
    page.set_viewport_size({"width": 320, "height": 800})
    pages.goto("/occupations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Code a job title to an ANZSCO occupation")
    pages.assert_accessible("occupation-coder")

    page.get_by_role("button", name="Code the title").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a job title")
    pages.assert_accessible("occupation-coder-error")

    page.get_by_label("Job title").fill("Product Manager")
    page.get_by_role("button", name="Code the title").click()
    table = page.get_by_role("region", name="Candidate occupations")
    expect(table).to_contain_text("225113 Marketing Specialist")
    expect(table).to_contain_text("135199 ICT Managers nec")
    expect(page.get_by_text("an assessor chooses the occupation")).to_be_visible()
    page.get_by_text("Why, and the sources").click()
    expect(page.get_by_role("link", name="MBIE, New border exception")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the coder's page is {width} px wide at 320 px"
    pages.assert_accessible("occupation-coder-candidates-320")


def test_the_coder_works_without_javascript(pages_without_javascript: Pages, world: World) -> None:
    pages, page = pages_without_javascript, pages_without_javascript.page
    pages.goto("/occupations/")
    page.get_by_label("Job title").fill("Senior Site Reliability Engineer")
    page.get_by_role("button", name="Code the title").click()
    expect(page.get_by_text("This title codes to one occupation")).to_contain_text(
        "261399 Software and Applications Programmers nec")
    page.get_by_text("Why, and the sources").click()  # a <details>: opens without JavaScript
    expect(page.get_by_text("Writes and maintains the code that deploys")).to_be_visible()


def test_an_assessor_records_the_occupation_a_title_left_open(pages: Pages, world: World) -> None:
    answers = {**{k: v for k, v in ANSWERS["tech-specialists-2022"].items() if k != "anzsco_code"},
               "job_title": "Product Manager", "annual_salary_nzd": 150000}
    draft = request_create(by=world.employer_a, scheme=Scheme.objects.get(code="tech-specialists-2022"),
                           organisation=world.org_a, nominee=nominee(), assessing_body=organisation_by_code("nztech"),
                           answers=answers)
    request = walk(draft, [("lodge", world.employer_a)])
    assessment.request_claim(request=request, by=world.assessor_nztech)
    page = pages.page

    pages.sign_in(world.assessor_nztech.email, PASSWORD)
    pages.goto(f"/assessment/requests/{request.reference}/")
    expect(page.get_by_text("matches no single ANZSCO occupation")).to_be_visible()
    pages.assert_accessible("assessment-occupation")

    page.get_by_label("135199 ICT Managers nec").check()
    page.get_by_role("button", name="Record the occupation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why the role is this occupation")
    pages.assert_accessible("assessment-occupation-error")
    assert not OccupationFinding.objects.filter(request=request).exists()

    page.get_by_label("135199 ICT Managers nec").check()
    page.get_by_label("Why the role is this occupation").fill(
        "The agreement's duties: owns the roadmap of the payroll app and directs its four developers.")
    page.get_by_role("button", name="Record the occupation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You recorded the occupation as 135199 ICT Managers nec")
    expect(page.get_by_text("from the assessor's finding")).to_be_visible()
    expect(page.get_by_text("The assessor found the occupation to be ANZSCO 135199").first).to_be_visible()
    pages.assert_accessible("assessment-occupation-recorded")
    assert OccupationFinding.objects.get(request=request).code == "135199"
    assert Event.objects.filter(request=request, transition="occupation_finding").count() == 1
