"""Immigration NZ's side in a real browser: NZTech recommends a batch that an officer reads; an officer invites in
bulk (both emails read from the local SMTP server, the PDF letter opened), later grants a visa on a request to
travel, and the employer sees where the nominee stands without the family's passports.

Every page on the way is checked with axe-core (through ``pages.assert_accessible``). The worker's own request to
travel is another part of bordercase: here it is set up through the ORM and the real transition.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from bordercase.cases.models import Request
from bordercase.immigration.models import Invitation, RecommendationBatch
from bordercase.immigration.services.tokens import token_digest
from tests.browser.conftest import Pages
from tests.browser.test_assessment_pages import second_browser  # noqa: F401 (a fixture)
from tests.conftest import PASSWORD, MailServer, World
from tests.immigration_support import (
    PARTNER_PASSPORT,
    allocated,
    approved_in_principle,
    attachment,
    pdf_text,
    recommended,
    travelling,
)

TECH = "Specialist tech workers class exception"


def emails_to(smtp: MailServer, address: str, words: str, timeout: float = 5.0) -> list:
    """The emails to ``address`` whose subject has ``words``, waiting for at least one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in smtp.to(address) if words in str(m["Subject"])]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no email to {address} about {words!r}; got {[str(m['Subject']) for m in smtp.messages]}")


def test_an_assessor_recommends_a_batch_and_an_officer_reads_it_with_its_digests(
    pages: Pages, second_browser: Pages, world: World  # noqa: F811
) -> None:
    first, second = allocated(world), allocated(world, employer="b")
    assessor, page = pages, pages.page
    assessor.sign_in(world.assessor_nztech.email, PASSWORD)
    page.get_by_role("link", name="Recommend to Immigration NZ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommend to Immigration NZ")
    assessor.assert_accessible("recommend")
    send = page.get_by_role("button", name=f"Recommend the chosen requests of {TECH} assessed by NZTech")
    send.click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose at least one request to recommend")
    assessor.assert_accessible("recommend-error")
    page.get_by_label(f"Recommend {first.reference}").check()
    page.get_by_label(f"Recommend {second.reference}").check()
    send.click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 requests recommended to Immigration NZ")
    batch = RecommendationBatch.objects.get()
    expect(page.locator("#csv-sha256")).to_have_text(batch.csv_sha256)
    expect(page.locator("#json-sha256")).to_have_text(batch.json_sha256)
    expect(page.get_by_role("table")).to_contain_text("Recommended to Immigration NZ")
    assessor.assert_accessible("recommendation-batch")

    officer, their_page = second_browser, second_browser.page
    officer.sign_in(world.inz_officer.email, PASSWORD)
    their_page.get_by_role("link", name="Recommendations").click()
    expect(their_page.get_by_role("heading", level=1)).to_have_text("Recommendation batches")
    expect(their_page.get_by_role("table")).to_contain_text(f"Batch {batch.pk}")
    officer.assert_accessible("recommendation-batches")
    with their_page.expect_download() as download:
        their_page.get_by_role("link", name=f"CSV of batch {batch.pk}").click()
    content = Path(download.value.path()).read_bytes()
    assert content == bytes(batch.export_csv) and first.reference.encode() in content


def test_an_officer_invites_in_bulk_then_grants_a_visa_and_the_employer_sees_where_it_stands(
    pages: Pages, second_browser: Pages, world: World, smtp: MailServer  # noqa: F811
) -> None:
    tech = recommended(world, email="ravi.browser@example.com")
    other_tech = recommended(world)
    essential = approved_in_principle(world, email="mele.browser@example.com")
    officer, page = pages, pages.page
    officer.sign_in(world.inz_officer.email, PASSWORD)
    page.get_by_role("link", name="Invitations to apply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations to apply")
    officer.assert_accessible("inz-invitations")
    page.get_by_role("button", name="Invite the chosen requests").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose at least one request to invite")
    officer.assert_accessible("inz-invitations-error")
    page.get_by_label(f"Choose {tech.reference}").check()
    page.get_by_label(f"Choose {essential.reference}").check()
    page.get_by_role("button", name="Invite the chosen requests").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 invitations to apply issued")
    waiting = page.get_by_role("table").filter(has_text="Not yet followed")
    expect(waiting).to_contain_text(tech.reference)
    expect(waiting).to_contain_text(essential.reference)
    expect(page.get_by_role("row").filter(has_text=other_tech.reference)).to_contain_text("Recommended")
    officer.assert_accessible("inz-invitations-issued")

    [to_worker] = emails_to(smtp, "ravi.browser@example.com", "invited to apply")
    [token] = re.findall(r"/invitation-to-apply/([A-Za-z0-9_-]+)/", to_worker.get_body(("plain",)).get_content())
    invitation = Invitation.objects.get(request=tech)
    assert invitation.token_sha256 == token_digest(token)
    expiry = timezone.localtime(invitation.expires_at)
    # Kōwhai's two workers were invited together: one email to the employer, with both letters.
    [to_employer] = emails_to(smtp, world.employer_a.email, "2 of your workers invited to apply")
    letters = {part.get_filename(): part.get_content() for part in to_employer.iter_attachments()}
    assert set(letters) == {f"invitation-to-apply-{r.reference}.pdf" for r in (tech, essential)}
    for content in (attachment(to_worker)[1], letters[f"invitation-to-apply-{tech.reference}.pdf"]):
        text = pdf_text(content)
        assert tech.reference in text and f"{expiry.day} {expiry:%B %Y}" in text and "Expires" in text
    assert emails_to(smtp, "mele.browser@example.com", "invited to apply")

    travelling(world, Request.objects.get(pk=tech.pk))
    page.get_by_role("link", name="Visa decisions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Visa decisions")
    officer.assert_accessible("inz-visas")
    page.get_by_role("link", name=tech.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Visa decision for {tech.reference}")
    expect(page.get_by_text(PARTNER_PASSPORT)).to_be_visible()
    expect(page.get_by_role("heading", name="Partner: Anjali", exact=False)).to_be_visible()
    officer.assert_accessible("inz-visa")
    page.get_by_role("button", name="Grant the visa").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the last day the visa is valid")
    expect(summary).to_contain_text("Write the visa's conditions")
    officer.assert_accessible("inz-visa-error")
    until = timezone.localdate() + timedelta(days=365)
    page.get_by_label("Day").fill(str(until.day))
    page.get_by_label("Month").fill(str(until.month))
    page.get_by_label("Year").fill(str(until.year))
    page.get_by_label("Conditions").fill("Critical Purpose Visitor Visa, valid 12 months; work only for the "
                                         "nominating employer.")
    page.get_by_role("button", name="Grant the visa").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You granted the visa")
    expect(page.get_by_text("work only for the nominating employer")).to_be_visible()
    officer.assert_accessible("inz-visa-granted")

    [granted] = emails_to(smtp, "ravi.browser@example.com", "visa has been granted")
    assert PARTNER_PASSPORT in pdf_text(attachment(granted)[1])
    [told] = emails_to(smtp, world.employer_a.email, f"{tech.reference} - visa granted")
    assert PARTNER_PASSPORT not in pdf_text(attachment(told)[1])

    employer, their_page = second_browser, second_browser.page
    employer.sign_in(world.employer_a.email, PASSWORD)
    their_page.get_by_role("link", name="Requests", exact=True).click()
    expect(their_page.get_by_role("row").filter(has_text=tech.reference)).to_contain_text(
        "Step 7 of 7: Visa decided (visa granted)")
    employer.assert_accessible("requests-with-journey")
    their_page.get_by_role("link", name=tech.reference).click()
    expect(their_page.get_by_role("heading", name="Where the request stands")).to_be_visible()
    expect(their_page.locator("#immigration")).to_contain_text("2 family members travel with the worker")
    expect(their_page.locator("main")).not_to_contain_text(PARTNER_PASSPORT)
    expect(their_page.locator("main")).not_to_contain_text("Anjali")
    employer.assert_accessible("request-journey")
