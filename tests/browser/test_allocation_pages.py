"""An allocation round in a real browser: the administrator opens, freezes, publishes and draws a ballot, and anyone
reads the public page, downloads the files and sees a place reallocated.

Every page on the way is checked with axe-core (through ``pages.assert_accessible``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from bordercase import ballot
from bordercase.cases.models import AllocationEntry, AllocationRound, Request
from tests.allocation_support import PUBLIC_VALUE, TECH, close_intake, eligible
from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, MailServer, World, set_places
from tests.walking import walk


@pytest.fixture
def visitor(browser: Browser, live_server: Any) -> Iterator[Pages]:
    """Someone who is not signed in, in a browser of their own."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    yield Pages(context.new_page(), live_server.url)
    context.close()


def test_an_administrator_runs_a_ballot_round_end_to_end_and_the_public_page_shows_it(
    pages: Pages, visitor: Pages, world: World, smtp: MailServer, tmp_path: Path
) -> None:
    set_places(2)
    pool = [eligible(world), eligible(world), eligible(world, employer="b")]
    close_intake()
    page = pages.page

    pages.sign_in(world.administrator.email, PASSWORD)
    page.get_by_role("link", name="Allocation rounds", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Allocation rounds")
    expect(page.locator("main")).to_contain_text("3 waiting for a round")
    pages.assert_accessible("allocation-rounds")
    page.get_by_role("button", name="Open a round of Specialist tech workers class exception").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Allocation round 1")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Round 1 of Specialist tech workers")
    pages.assert_accessible("allocation-round-open")
    page.get_by_role("button", name="Freeze the pool").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("frozen with 3 entries for 2 places")
    pages.assert_accessible("allocation-round-frozen")

    page.get_by_role("button", name="Publish the round").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Name the public value the draw will mix in")
    pages.assert_accessible("allocation-round-publish-error")
    page.get_by_label("The public value the draw will mix in").fill(
        "The randomness of drand quicknet round 1234567, due after publishing")
    page.get_by_role("button", name="Publish the round").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Copy the secret now: it will not be shown again")
    secret = page.locator("#secret").inner_text().strip()
    assert len(secret) == 64
    pages.assert_accessible("allocation-round-secret")

    page.get_by_role("link", name="Go to the round").click()
    expect(page.locator("main")).not_to_contain_text(secret)
    page.get_by_label("The secret").fill("0" * 64)
    page.get_by_label("The public value").fill(PUBLIC_VALUE)
    page.get_by_role("button", name="Reveal the secret and draw").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("does not match the published commitment")
    pages.assert_accessible("allocation-round-draw-error")
    assert AllocationRound.objects.get().status == "published"
    page.get_by_label("The secret").fill(secret)
    page.get_by_label("The public value").fill(PUBLIC_VALUE)
    page.get_by_role("button", name="Reveal the secret and draw").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 allocated a place, 1 waitlisted")
    pages.assert_accessible("allocation-round-drawn")
    assert sorted(Request.objects.get(pk=r.pk).status for r in pool) == ["allocated", "allocated", "waitlisted"]
    # Each employer is told once, with all its requests: Kōwhai's two in one email, Harbourside's one in another.
    told = smtp.about("2 of your Specialist tech workers class exception requests: the draw of round 1")
    assert sum(r.reference in told.get_content() for r in pool) == 2
    smtp.about("1 of your Specialist tech workers class exception requests: the draw of round 1")

    drawn = AllocationRound.objects.get()
    visitor.goto(f"/allocation/{TECH}/1/")
    their_page = visitor.page
    expect(their_page.get_by_role("heading", level=1)).to_have_text("Allocation round 1")
    manifest = their_page.locator(".govuk-summary-list")
    for value in (secret, drawn.seed, drawn.commitment, PUBLIC_VALUE, drawn.entries_sha256, drawn.results_sha256):
        expect(manifest).to_contain_text(value)
    downloads = their_page.get_by_role("table").first
    for name in ("manifest.json", "entries.csv", "results.csv"):
        expect(downloads.get_by_role("link", name=f"{TECH}-round-1-{name}")).to_be_visible()
    expect(their_page.locator("pre")).to_contain_text("bordercase ballot verify")
    expect(their_page.locator("pre")).to_contain_text(f"{TECH}-round-1-results.csv")
    visitor.assert_accessible("allocation-round-public")

    files = {}
    for name in ("manifest.json", "entries.csv", "results.csv"):
        with their_page.expect_download() as download:
            downloads.get_by_role("link", name=f"{TECH}-round-1-{name}").click()
        files[name] = Path(download.value.path()).read_bytes()
        expect(downloads).to_contain_text(ballot.sha256_hex(files[name]))
    assert ballot.verify(ballot.Manifest.from_json(files["manifest.json"]), files["entries.csv"],
                         files["results.csv"]) == []

    holder = next(r for r in pool if Request.objects.get(pk=r.pk).status == "allocated")
    walk(Request.objects.get(pk=holder.pk), [("withdraw", holder.created_by)], reason="The worker stayed home.")
    their_page.reload()
    released = holder.allocation_entries.get().entry_id
    row = their_page.get_by_role("row").filter(has_text=released)
    expect(row).to_contain_text("Withdrawn")
    waitlisted = AllocationEntry.objects.get(round=drawn, rank=3)  # no caps, no duplicates: the third was waitlisted
    expect(row).to_contain_text(waitlisted.entry_id)
    assert Request.objects.get(pk=waitlisted.request_id).status == "allocated"
    visitor.assert_accessible("allocation-round-public-reallocated")
