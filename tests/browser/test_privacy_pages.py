"""A person's own information and its correction in a real browser at 320 px: the download page and its zip, asking
for a correction with its error path, and the holding body's staff answering it; axe-core clean throughout."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from playwright.sync_api import expect

from bordercase.cases.models import Request
from bordercase.privacy.corrections import CorrectionRequest, correction_ask
from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, World, draft_made
from tests.walking import walk

NARROW = {"width": 320, "height": 800}


def _fits(pages: Pages, name: str) -> None:
    width = pages.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{name} is {width} px wide at 320 px"
    pages.assert_accessible(name)


def _assessed(world: World) -> Request:
    return walk(draft_made(world), [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech)])


def test_the_my_data_page_explains_the_download_and_gives_the_zip(pages: Pages, world: World, tmp_path: Path) -> None:
    request = _assessed(world)
    page = pages.page
    page.set_viewport_size(NARROW)
    pages.sign_in(world.employer_a.email, PASSWORD)
    pages.goto("/account/my-data/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Download your information")
    expect(page.locator("main")).to_contain_text("each worker can download it from their own account")
    _fits(pages, "my-data-320")
    with page.expect_download() as started:
        page.get_by_role("button", name="Download your information (zip)").click()
    saved = tmp_path / "mine.zip"
    started.value.save_as(saved)
    archive = zipfile.ZipFile(io.BytesIO(saved.read_bytes()))
    data = json.loads(archive.read("data.json"))
    assert [r["reference"] for r in data["requests_you_started_for_an_employer"]] == [request.reference]
    assert request.nominee.passport_number not in json.dumps(data)


def test_asking_for_a_correction_names_each_empty_box_then_shows_it_waiting(pages: Pages, world: World) -> None:
    request = _assessed(world)
    page = pages.page
    page.set_viewport_size(NARROW)
    pages.sign_in(world.employer_a.email, PASSWORD)
    pages.goto(f"/requests/{request.reference}/")
    page.get_by_role("link", name="Ask for a correction").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for a correction")
    _fits(pages, "correction-ask-320")
    page.get_by_role("button", name="Send the correction request").click()
    summary = page.locator(".govuk-error-summary")
    for message in ("Select which information is wrong", "Say what the information should say",
                    "Say why the information is wrong"):
        expect(summary).to_contain_text(message)
    summary.get_by_role("link", name="Say what the information should say").click()
    expect(page.get_by_label("What should it say?")).to_be_focused()
    _fits(pages, "correction-ask-errors-320")
    page.get_by_label("Passport details").check()
    page.get_by_label("What should it say?").fill("Passport number Z7654321.")
    page.get_by_label("Why is it wrong?").fill("The passport was renewed.")
    page.get_by_role("button", name="Send the correction request").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your correction request has been sent")
    expect(page.locator("#corrections ~ .govuk-summary-card").first).to_contain_text("Waiting")
    _fits(pages, "request-correction-waiting-320")
    assert CorrectionRequest.objects.get().body.code == "nztech"


def test_the_holding_body_answers_and_the_applicant_reads_the_decision(pages: Pages, world: World) -> None:
    request = _assessed(world)
    correction = correction_ask(user=world.employer_a, reference=request.reference, information="personal_details",
                                should_say="Family name Kumar-Singh.", why="Married since the nomination.")
    page = pages.page
    page.set_viewport_size(NARROW)
    pages.sign_in(world.assessor_nztech.email, PASSWORD)
    pages.goto("/corrections/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Correction requests")
    _fits(pages, "corrections-staff-320")
    page.get_by_role("link", name=f"Answer correction request {correction.pk} on {request.reference}").click()
    expect(page.locator("main")).to_contain_text("Family name Kumar-Singh.")
    _fits(pages, "correction-answer-320")
    page.get_by_role("button", name="Record the decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select whether you corrected the information or declined to")
    _fits(pages, "correction-answer-errors-320")
    page.get_by_label("Declined: the information stays as it is").check()
    page.get_by_label("What you changed, or why you declined").fill("The name matches the passport on file.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your decision is recorded")
    _fits(pages, "corrections-staff-answered-320")

    page.context.clear_cookies()
    pages.sign_in(world.employer_a.email, PASSWORD)
    pages.goto(f"/requests/{request.reference}/")
    card = page.locator(".govuk-summary-card", has_text="Personal details")
    expect(card).to_contain_text("Declined")
    expect(card).to_contain_text("The name matches the passport on file.")
    _fits(pages, "request-correction-declined-320")
