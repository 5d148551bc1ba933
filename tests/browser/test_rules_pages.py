"""The public rules pages in a real browser: the explorer as at two dates, and the eligibility checker with its
error path, at 320 px wide and carried into a request after signing in; axe-core clean."""

from __future__ import annotations

from playwright.sync_api import expect

from bordercase.cases.models import Request
from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, World

OEW = "other-essential-worker-2020"
TECH = "tech-specialists-2022"


def _show_rules_on(pages: Pages, day: str, month: str, year: str) -> None:
    page = pages.page
    page.get_by_label("Day", exact=True).fill(day)
    page.get_by_label("Month", exact=True).fill(month)
    page.get_by_label("Year", exact=True).fill(year)
    page.get_by_role("button", name="Show the rules").click()


def test_the_explorer_shows_the_rules_as_at_two_dates_and_refuses_a_date_that_does_not_exist(
    pages: Pages, world: World
) -> None:
    page = pages.page
    pages.goto("/rules/")
    page.get_by_role("link", name="Read the rules of Other essential worker").click()
    _show_rules_on(pages, "1", "7", "2020")
    expect(page.get_by_role("heading", level=1)).to_have_text("The rules as at 1 July 2020")
    expect(page.locator("#parameter-median_wage_hourly + p + p")).to_contain_text("NZ$25.50 an hour")
    expect(page.get_by_text("Nothing: these are the scheme's first rules")).to_be_visible()
    pages.assert_accessible("rules-explorer-2020")

    _show_rules_on(pages, "1", "8", "2021")
    expect(page.get_by_role("heading", level=1)).to_have_text("The rules as at 1 August 2021")
    expect(page.locator("#parameter-median_wage_hourly + p + p")).to_contain_text("NZ$27.00 an hour")
    changed = page.get_by_role("heading", name="What changed on 19 July 2021")
    expect(changed).to_be_visible()
    expect(page.locator("main")).to_contain_text("changed from NZ$25.50 an hour to NZ$27.00 an hour")
    pages.assert_accessible("rules-explorer-2021")

    page.get_by_role("link", name="From 4 July 2022").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The rules as at 4 July 2022")
    expect(page.locator("main")).to_contain_text("changed from NZ$27.00 an hour to NZ$27.76 an hour")

    _show_rules_on(pages, "30", "2", "2021")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Date the rules were in force must be a real date")
    summary.get_by_role("link").click()
    expect(page.locator("#id_as_at_day")).to_be_focused()
    pages.assert_accessible("rules-explorer-error")

    pages.goto(f"/rules/{TECH}/?as_at=2021-06-01")
    expect(page.locator(".govuk-inset-text").first).to_contain_text("took effect on 13 December 2021")
    pages.assert_accessible("rules-explorer-not-in-force")

    page.set_viewport_size({"width": 320, "height": 800})
    pages.goto(f"/rules/{TECH}/?as_at=2022-03-01")
    salary = page.locator(".govuk-summary-card", has_text="Salary threshold")
    expect(salary).to_contain_text("salary_thresholds: 2613: NZ$120,000")
    expect(page.locator(".govuk-summary-card", has_text="Domestic pipeline")).to_contain_text(
        "Yes, it must be met (because industry_commitments_mandatory says so on this date)")
    for scheme in (TECH, OEW):
        pages.goto(f"/rules/{scheme}/?as_at=2022-03-01")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"the explorer of {scheme} is {width} px wide at 320 px"
        pages.assert_accessible(f"rules-explorer-{scheme}-320")


def test_the_checker_names_each_problem_then_gives_the_outcome_and_carries_the_answers_into_a_request(
    pages: Pages, world: World
) -> None:
    page = pages.page
    page.set_viewport_size({"width": 320, "height": 800})
    pages.goto(f"/rules/{TECH}/check/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check whether a request would be eligible")
    page.get_by_label("ANZSCO code of the role (optional)").fill("261313")
    page.get_by_label("Annual salary in New Zealand dollars").fill("a lot")
    page.get_by_role("button", name="Check").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Annual salary in New Zealand dollars must be a number")
    expect(summary).to_contain_text("Have you and the worker signed an employment agreement? Answer this question")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    pages.assert_accessible("rules-checker-errors-320")

    page.get_by_label("Annual salary in New Zealand dollars").fill("110000")
    page.locator("fieldset", has_text="signed an employment agreement").get_by_label("Yes").check()
    page.get_by_label("Summer of Tech").check()
    page.get_by_label("NZTech").check()
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Likely ineligible")
    expect(page.locator("main")).to_contain_text("Salary NZ$110,000 is below the NZ$120,000 threshold")
    expect(page.get_by_role("region", name="Parameter values the rules read")).to_contain_text("13 December 2021")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    pages.assert_accessible("rules-checker-outcome-320")

    page.get_by_role("button", name="Change your answers").click()
    expect(page.get_by_label("Annual salary in New Zealand dollars")).to_have_value("110000")
    page.get_by_label("Annual salary in New Zealand dollars").fill("130000")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Likely eligible")

    page.get_by_role("button", name="Start a request with these answers").click()
    page.get_by_label("Email address").fill(world.employer_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a request")
    expect(page.locator(".govuk-inset-text")).to_contain_text("Your answers from the eligibility checker")
    expect(page.get_by_label("Specialist tech workers class exception")).to_be_checked()
    page.get_by_role("button", name="Start the request").click()
    draft = Request.objects.get(created_by=world.employer_a)
    assert draft.answers == {"anzsco_code": "261313", "annual_salary_nzd": 130000,
                             "employment_agreement_signed": True, "pipeline_programmes": ["Summer of Tech"],
                             "industry_memberships": ["NZTech"]}


def test_the_checker_works_without_javascript(pages_without_javascript: Pages, world: World) -> None:
    pages = pages_without_javascript
    page = pages.page
    pages.goto(f"/rules/{OEW}/check/")
    page.get_by_label("Day", exact=True).fill("1")
    page.get_by_label("Month", exact=True).fill("8")
    page.get_by_label("Year", exact=True).fill("2021")
    page.get_by_label("How many months is the role for?").fill("12")
    page.locator("fieldset", has_text="unique experience").get_by_label("Yes").check()
    page.locator("fieldset", has_text="Is the role time critical?").get_by_label("Yes").check()
    page.get_by_label("Annual salary in New Zealand dollars").fill("110000")
    page.get_by_label("Hours of work a week (optional)").fill("40")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Likely ineligible")
    expect(page.locator("main")).to_contain_text("twice the median wage as at 1 August 2021")
