"""A letter checked in a real browser by someone holding it: the address read from the PDF's own text leads to its
page, which shows it recorded and then, once a checkpoint is made, proved in the transparency log; the PDF as
emailed is accepted and a copy changed by one byte refused. Every page is checked with axe-core, and at 320 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from bordercase.immigration.models import IssuedLetter
from bordercase.immigration.services.invitations import invitation_issue
from bordercase.lib.signed_note import Signer
from bordercase.transparency.checkpoints import checkpoint_make
from bordercase.transparency.models import LogEntry
from tests.browser.conftest import Pages
from tests.browser.test_immigration_pages import emails_to
from tests.conftest import MailServer, World
from tests.immigration_support import attachment, pdf_text, recommended


def test_someone_holding_a_letter_follows_its_address_sees_it_proved_and_checks_their_copy(
    pages: Pages, world: World, smtp: MailServer, settings: Any, live_server: Any, tmp_path: Path
) -> None:
    # The letter's address is the site's own, as in production: here, the live server's.
    settings.BORDERCASE_BASE_URL = live_server.url
    signer = Signer.generate(settings.TRANSPARENCY_ORIGIN)
    (tmp_path / "log.key").write_text(signer.text() + "\n")
    settings.TRANSPARENCY_KEY_FILE = str(tmp_path / "log.key")
    request = recommended(world, email="aroha.letter@example.com")
    invitation_issue(request=request, by=world.inz_officer)
    [email] = emails_to(smtp, "aroha.letter@example.com", "invited to apply")
    content = attachment(email)[1]
    [address] = re.findall(re.escape(live_server.url) + r"/letters/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}",
                           pdf_text(content))
    page = pages.page

    page.goto(address)
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation to apply")
    facts = page.locator("#letter-facts")
    expect(facts).to_contain_text(request.reference)
    expect(facts).to_contain_text(address.rsplit("/", 1)[1])
    expect(facts).to_contain_text("Invited to apply, valid until")
    expect(page.locator("#letter-sha256")).to_have_text(IssuedLetter.objects.get().sha256)
    expect(page.locator("#log-status")).to_contain_text("will be in the next checkpoint")
    pages.assert_accessible("letter-recorded")

    checkpoint = checkpoint_make()
    page.reload()
    expect(page.locator("#log-status")).to_contain_text("proved to be in its latest signed checkpoint")
    expect(page.locator("#log-index")).to_have_text(str(LogEntry.objects.get(kind="letter").index))
    expect(page.locator("#log-size")).to_have_text(f"{checkpoint.size} entries")
    expect(page.get_by_role("link", name="the signed checkpoint")).to_have_attribute("href", "/transparency/checkpoint")
    pages.assert_accessible("letter-proved")

    as_sent = tmp_path / "invitation-to-apply.pdf"
    as_sent.write_bytes(content)
    page.get_by_label("Upload the letter").set_input_files(str(as_sent))
    page.get_by_role("button", name="Check the letter").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "This is the letter Immigration New Zealand sent")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    pages.assert_accessible("letter-matched")

    page.set_viewport_size({"width": 320, "height": 800})
    changed = tmp_path / "invitation-to-apply-changed.pdf"
    middle = len(content) // 2
    changed.write_bytes(content[:middle] + bytes([content[middle] ^ 0x01]) + content[middle + 1:])
    page.get_by_label("Upload the letter").set_input_files(str(changed))
    page.get_by_role("button", name="Check the letter").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("is not the letter with the code")
    expect(page.locator(".govuk-notification-banner--success")).to_have_count(0)
    expect(page.locator("#what-to-do")).to_contain_text("ask them for the letter exactly as Immigration New Zealand")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    pages.assert_accessible("letter-refused-320")

    response = page.goto(live_server.url + "/letters/K7Q2-M9XD-4HTR")
    assert response is not None and response.status == 404
    assert all("status of 404" in error for error in pages.console_errors)
    pages.console_errors.clear()  # Chromium logs the 404 status of the page itself; that one is expected.
    expect(page.get_by_role("heading", level=1)).to_have_text("No letter has this code")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    pages.assert_accessible("letter-not-found-320")
