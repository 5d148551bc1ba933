"""Assessing in a real browser: NZTech works a nomination through an information request to a recommendation,
and Immigration NZ declines an essential-worker request whose employer then reads the reasons.

Every page on the way is checked with axe-core (through ``pages.assert_accessible``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from bordercase.cases.models import CriterionFinding, Request
from tests.browser.conftest import Pages
from tests.browser.test_intake_pages import png_bytes
from tests.conftest import ANSWERS, PASSWORD, MailServer, World
from tests.walking import walk


@pytest.fixture
def second_browser(browser: Browser, live_server: Any) -> Iterator[Pages]:
    """Another person's browser, with cookies of its own, beside ``pages``."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    yield Pages(context.new_page(), live_server.url)
    context.close()


def test_an_nztech_assessor_claims_asks_for_information_overrides_a_criterion_and_recommends(
    pages: Pages, second_browser: Pages, world: World, make_request: Callable[..., Request], smtp: MailServer
) -> None:
    answers = {**ANSWERS["tech-specialists-2022"], "annual_salary_nzd": 118000}
    request = walk(make_request(answers=answers), [("lodge", world.employer_a)])
    reference = request.reference
    assessor, page = pages, pages.page

    assessor.sign_in(world.assessor_nztech.email, PASSWORD)
    page.get_by_role("link", name="Assessment queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment queue")
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Likely ineligible")
    expect(row).to_contain_text("0 working days of 10")
    assessor.assert_accessible("assessment-queue")
    row.get_by_role("button", name=f"Claim {reference}").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Assess request {reference}")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You claimed request")
    assessor.assert_accessible("assessment-request")
    page.get_by_role("button", name="Ask for information").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Write what information you need")
    assessor.assert_accessible("assessment-request-error")
    page.get_by_label("What do you need from the applicant?").fill(
        "The salary is below NZ$120,000. Confirm the salary offered, with the signed offer letter.")
    page.get_by_role("button", name="Ask for information").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("its clock is paused")
    expect(page.get_by_text("paused while waiting for the applicant")).to_be_visible()

    question = smtp.about("needs more information")
    assert world.employer_a.email in str(question["To"]) and "Confirm the salary offered" in question.get_content()

    employer, their_page = second_browser, second_browser.page
    employer.sign_in(world.employer_a.email, PASSWORD)
    employer.goto(f"/requests/{reference}/")
    expect(their_page.get_by_text("The assessor needs more information")).to_be_visible()
    employer.assert_accessible("request-information-requested")
    their_page.get_by_role("button", name="Answer the question").click()
    expect(their_page.get_by_role("heading", level=1)).to_have_text("Answer the assessor's question")
    their_page.get_by_role("button", name="Send your answer").click()
    expect(their_page.locator(".govuk-error-summary")).to_contain_text("Write your answer")
    employer.assert_accessible("answer-information-error")
    their_page.get_by_label("Your answer").fill("We raised the offer to NZ$125,000; the signed letter is attached.")
    their_page.get_by_label("Supporting evidence").check()
    their_page.get_by_label("Attach a file (optional)").set_input_files(
        {"name": "offer-letter.png", "mimeType": "image/png", "buffer": png_bytes()})
    their_page.get_by_role("button", name="Send your answer").click()
    expect(their_page.locator(".govuk-notification-banner")).to_contain_text("Your answer has been sent")
    employer.assert_accessible("answer-information-sent")

    page.reload()
    expect(page.locator("#applicant-answer")).to_contain_text("raised the offer to NZ$125,000")
    # Evidence downloads rather than opening in the browser, and its link says so.
    expect(page.get_by_role("link", name=re.compile(r"^Download offer-letter\.png \(PNG, [\d.,]+\s(bytes|KB)\)$"))
           ).to_be_visible()
    salary = page.get_by_role("group", name="Salary threshold")
    salary.get_by_label("Met", exact=True).check()
    page.get_by_role("button", name="Save findings").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give a note for salary threshold")
    salary = page.get_by_role("group", name="Salary threshold")
    salary.get_by_label("Met", exact=True).check()
    salary.get_by_label("Note (needed if you override the rules)").fill("Signed offer letter shows NZ$125,000.")
    page.get_by_role("button", name="Save findings").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your findings are saved")
    finding = CriterionFinding.objects.get(request=request, criterion="salary_threshold")
    assert (finding.rule_outcome, finding.outcome, finding.kind) == ("not_met", "met", "overridden")

    page.get_by_label("Recommend: the request is eligible").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You recommended the request")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Eligible")
    expect(page.get_by_role("table", name="Everything that has happened")).to_contain_text("Criterion assessed")
    assessor.assert_accessible("assessment-recommended")

    employer.goto(f"/requests/{reference}/")
    expect(their_page.locator("#decision")).to_contain_text("Found eligible")
    expect(their_page.locator("#decision")).to_contain_text("Signed offer letter shows NZ$125,000.")
    # The employer's page has the history and who looked (NZTech's assessor did): the history has no staff working.
    expect(their_page.get_by_role("table", name="Organisations that looked")).to_contain_text("NZTech")
    expect(their_page.get_by_role("table", name="Everything that has happened")).not_to_contain_text(
        "Criterion assessed")
    employer.assert_accessible("request-found-eligible")
    assert Request.objects.get(pk=request.pk).status == "eligible"


def test_an_inz_assessor_declines_an_essential_worker_request_and_the_employer_reads_the_reasons(
    pages: Pages, second_browser: Pages, world: World, make_request: Callable[..., Request], smtp: MailServer
) -> None:
    answers = {**ANSWERS["other-essential-worker-2020"], "unique_skills_not_obtainable_in_nz": False}
    request = walk(make_request(scheme="other-essential-worker-2020", body="inz", answers=answers),
                   [("lodge", world.employer_a)])
    reference = request.reference
    assessor, page = pages, pages.page

    assessor.sign_in(world.assessor_inz.email, PASSWORD)
    assessor.goto(f"/assessment/requests/{reference}/")
    page.get_by_role("button", name="Claim this request").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You claimed this request")
    # The rules' findings are where the radios start; saving them confirms each one.
    page.get_by_role("button", name="Save findings").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your findings are saved")
    page.get_by_label("Decline").check()
    expect(page.get_by_label("Short term criteria")).to_be_checked()
    page.get_by_label("Reasons in your own words").fill(
        "A New Zealand engineer could do this work: the role was not advertised here.")
    assessor.assert_accessible("assessment-decline")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You declined the request")
    assessor.assert_accessible("assessment-declined")

    employer, their_page = second_browser, second_browser.page
    employer.sign_in(world.employer_a.email, PASSWORD)
    employer.goto(f"/requests/{reference}/")
    decision = their_page.locator("#decision")
    expect(decision).to_contain_text("Declined: the assessor's reasons")
    expect(decision).to_contain_text("Short term criteria: not met.")
    expect(decision).to_contain_text("the role was not advertised here")
    employer.assert_accessible("request-declined-with-reasons")

    declined = smtp.about("has been declined")
    assert world.employer_a.email in str(declined["To"])
    assert "Short term criteria: not met." in declined.get_content()
    assert "the role was not advertised here" in declined.get_content()
