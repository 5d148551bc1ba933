"""Whole journeys in a real browser, from a place to a visa: a tech worker allocated by a round, recommended in a
batch, invited (both emails read from the local SMTP server and the PDF letter's text checked), lodging a request
to travel with a partner, one child and a managed-isolation voucher, granted a visa, and both told; and an
essential worker through approval in principle, with no ballot.

Every page on the way is checked with axe-core (through ``pages.assert_accessible``).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from django.utils import timezone
from playwright.sync_api import expect

from bordercase.cases.models import Request, Scheme
from bordercase.cases.services import allocation
from bordercase.immigration.models import TravelRequest
from tests.allocation_support import V1, close_intake, eligible
from tests.browser.conftest import Pages
from tests.browser.test_assessment_pages import second_browser  # noqa: F401 (a fixture)
from tests.browser.test_immigration_pages import emails_to
from tests.browser.test_intake_pages import png_bytes
from tests.browser.test_travel_pages import fill_date, fill_member
from tests.conftest import PASSWORD, MailServer, World, nominee
from tests.immigration_support import approved_in_principle, attachment, pdf_text
from tests.travel_support import child, journey, partner, passport

WORKER_PASSWORD = "pohutukawa flowers in december"


def invite_from_the_officers_page(officer: Pages, request: Request) -> None:
    page = officer.page
    page.get_by_role("link", name="Invitations to apply").click()
    page.get_by_label(f"Choose {request.reference}").check()
    page.get_by_role("button", name="Invite the chosen requests").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Invitation to apply issued for {request.reference}")
    officer.assert_accessible(f"journey-invited-{request.scheme.code}")


def lodge_as_the_worker(worker: Pages, link: str, request: Request, *, agreement: bool) -> None:
    """From the emailed link to a lodged request to travel, with a partner, a child and the voucher."""
    page = worker.page
    # The email links to the site's configured address; the test server listens elsewhere, so follow its path.
    worker.goto(urlsplit(link).path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your invitation to apply")
    page.get_by_label("Create a password").fill(WORKER_PASSWORD)
    page.get_by_label("Type the password again").fill(WORKER_PASSWORD)
    page.get_by_role("button", name="Set password and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request to travel")
    page.get_by_role("link", name="Your personal details").click()
    page.get_by_label("Phone number").fill("+91 98765 43210")
    page.get_by_role("button", name="Save and continue").click()
    own = passport(request)
    page.get_by_label("Country that issued the passport").select_option(own["passport_country"])
    fill_date(page, "Expiry date", own["passport_expiry"])
    page.get_by_label("Machine-readable zone, second line").fill(own["passport_mrz"])
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your signed employment agreement")
    if agreement:  # required for a tech worker; an essential worker may go on without it
        page.get_by_label("Upload the signed employment agreement").set_input_files(
            {"name": "signed-agreement.png", "mimeType": "image/png", "buffer": png_bytes()})
        page.get_by_role("button", name="Upload file").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner and dependent children")
    page.get_by_role("button", name="Add your partner").click()
    fill_member(worker, partner())
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Add a dependent child").click()
    fill_member(worker, child())
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-summary-card")).to_have_count(2)
    page.get_by_role("button", name="Continue").click()
    trip = journey()
    fill_date(page, "Travel date", trip["travel_date"])
    page.get_by_label("Managed-isolation voucher reference").fill(trip["isolation_voucher"])
    fill_date(page, "Managed isolation starts", trip["isolation_from"])
    fill_date(page, "Managed isolation ends", trip["isolation_to"])
    page.get_by_label("My employer").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label(re.compile("^The information in this request to travel is true")).check()
    page.get_by_label(re.compile("^Everyone on this request will stay in managed isolation for the 14 days")).check()
    page.get_by_label(re.compile("^I understand that Immigration New Zealand may decline")).check()
    page.get_by_role("button", name="Make the declarations").click()
    expect(page.locator("main")).to_contain_text("MIQ-2020-48213")
    worker.assert_accessible(f"journey-travel-check-{request.scheme.code}")
    page.get_by_role("button", name="Lodge the request to travel").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Request to travel lodged")
    worker.assert_accessible(f"journey-travel-lodged-{request.scheme.code}")


def grant_from_the_officers_page(officer: Pages, request: Request) -> None:
    page = officer.page
    page.get_by_role("link", name="Visa decisions").click()
    page.get_by_role("link", name=request.reference).click()
    expect(page.get_by_role("heading", name="Partner: Anjali", exact=False)).to_be_visible()
    until = timezone.localdate() + dt.timedelta(days=365)
    page.get_by_label("Day").fill(str(until.day))
    page.get_by_label("Month").fill(str(until.month))
    page.get_by_label("Year").fill(str(until.year))
    page.get_by_label("Conditions").fill("Critical Purpose Visitor Visa, valid 12 months; work only for the "
                                         "nominating employer.")
    page.get_by_role("button", name="Grant the visa").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You granted the visa")
    officer.assert_accessible(f"journey-granted-{request.scheme.code}")


def invitation_emails(smtp: MailServer, world: World, request: Request, worker_email: str) -> str:
    """The worker's and the employer's emails, each with the letter; the link from the worker's."""
    [to_worker] = emails_to(smtp, worker_email, "invited to apply")
    [to_employer] = emails_to(smtp, world.employer_a.email, f"{request.reference} - invitation")
    for message in (to_worker, to_employer):
        name, content = attachment(message)
        text = pdf_text(content)
        assert name.endswith(".pdf") and request.reference in text and "Expires" in text
        assert request.scheme.title.split()[0] in text
    [link] = re.findall(r"https?://\S+/invitation-to-apply/[A-Za-z0-9_-]+/", to_worker.get_body(("plain",))
                        .get_content())
    return link


def both_told(smtp: MailServer, world: World, request: Request, worker_email: str) -> None:
    [granted] = emails_to(smtp, worker_email, "visa has been granted")
    assert "Anjali" in pdf_text(attachment(granted)[1])
    [told] = emails_to(smtp, world.employer_a.email, f"{request.reference} - visa granted")
    assert "Anjali" not in pdf_text(attachment(told)[1])  # the employer is told the outcome, not the family


def test_a_tech_worker_from_a_place_to_a_visa(
    pages: Pages, second_browser: Pages, world: World, smtp: MailServer  # noqa: F811
) -> None:
    worker_email = "ravi.journey@example.com"
    request = eligible(world, person=nominee(email=worker_email))
    close_intake()  # the round allocates the place: one entry fits, so without a draw
    tech = Scheme.objects.get(code="tech-specialists-2022")
    allocation.round_freeze(round_=allocation.round_open(scheme=tech, by=world.administrator, protocol=V1),
                            by=world.administrator)
    assert Request.objects.get(pk=request.pk).status == "allocated"

    assessor, page = pages, pages.page
    assessor.sign_in(world.assessor_nztech.email, PASSWORD)
    page.get_by_role("link", name="Recommend to Immigration NZ").click()
    page.get_by_label(f"Recommend {request.reference}").check()
    page.get_by_role("button", name=re.compile("^Recommend the chosen requests")).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("recommended to Immigration NZ")
    assessor.assert_accessible("journey-recommended")

    officer = second_browser
    officer.sign_in(world.inz_officer.email, PASSWORD)
    invite_from_the_officers_page(officer, request)
    link = invitation_emails(smtp, world, request, worker_email)

    pages.page.context.clear_cookies()  # the worker's own browser now
    lodge_as_the_worker(pages, link, request, agreement=True)
    lodged = TravelRequest.objects.get(request=request)
    assert lodged.family.count() == 2 and lodged.isolation_voucher == "MIQ-2020-48213"

    grant_from_the_officers_page(officer, request)
    both_told(smtp, world, request, worker_email)
    assert Request.objects.get(pk=request.pk).status == "visa_granted"


def test_an_essential_worker_through_approval_in_principle_without_a_ballot(
    pages: Pages, second_browser: Pages, world: World, smtp: MailServer  # noqa: F811
) -> None:
    worker_email = "mele.journey@example.com"
    request = approved_in_principle(world, email=worker_email)
    assert request.status == "eligible" and request.entry_id is None  # no ballot: not even an entry id

    officer = second_browser
    officer.sign_in(world.inz_officer.email, PASSWORD)
    invite_from_the_officers_page(officer, request)
    link = invitation_emails(smtp, world, request, worker_email)

    lodge_as_the_worker(pages, link, request, agreement=False)
    grant_from_the_officers_page(officer, request)
    both_told(smtp, world, request, worker_email)
    assert Request.objects.get(pk=request.pk).status == "visa_granted"
