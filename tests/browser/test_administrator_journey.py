"""The scheme administrator's day in the browser, as issue 14 asks: invite a second NZTech assessor, who signs up
from the email with an authenticator app and confirms a decline; close the tech scheme's intake; freeze a round,
commit, publish its declaration and draw it with a real drand beacon; import a history file, be refused importing
it again, undo it; and the public statistics then hold no more places than the scheme has."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import time_machine
from playwright.sync_api import Browser, expect

from bordercase.cases.models import Request
from bordercase.cases.services import assessment
from bordercase.reporting.models import ImportRun
from tests.allocation_support import TECH, eligible
from tests.browser.conftest import Pages
from tests.browser.test_second_factor_pages import code_from_key, key_from_page
from tests.conftest import PASSWORD, MailServer, World, set_places
from tests.test_accounts import link_in
from tests.test_assessment import _all_met
from tests.test_import_runs import LINES
from tests.walking import walk

BEACON = json.loads((Path(__file__).parents[1] / "data" / "drand" / "quicknet.json").read_text())["rounds"][1]


def proposed_decline(world: World, make_request: Callable[..., Request]) -> Request:
    """A tech nomination NZTech's only assessor proposes to decline: it waits for a second assessor."""
    lodged = walk(make_request(), [("lodge", world.employer_a)])
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    found = {**_all_met(lodged), "salary_threshold": ("not_met", "Payslips show NZ$98,000, not NZ$145,000.")}
    assessment.findings_record(request=lodged, by=world.assessor_nztech, found=found)
    return assessment.request_decide(request=lodged, by=world.assessor_nztech, decision="decline",
                                     reasons=["salary_threshold"], text="The salary is below the threshold.")


def test_an_administrator_runs_a_scheme_from_staff_to_statistics(
    pages: Pages, browser: Browser, live_server: Any, world: World, smtp: MailServer, tmp_path: Path,
    make_request: Callable[..., Request], settings: Any,
) -> None:
    # The browser keeps today's time while the server visits 2023 for the draw: cookies without an expiry date.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE, settings.CSRF_COOKIE_AGE = True, None
    set_places(2)
    pool = [eligible(world), eligible(world), eligible(world, employer="b")]
    proposed = proposed_decline(world, make_request)
    assert proposed.status == "in_assessment"
    page = pages.page

    pages.sign_in(world.administrator.email, PASSWORD)
    pages.goto("/administration/staff/")
    page.get_by_role("link", name="Invite someone to NZTech").click()
    page.get_by_label("Email address").fill("tama@nztech.example")
    page.get_by_label("Assessor").check()
    page.get_by_label("Why").fill("Declines need a second assessor to confirm them.")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("main")).to_contain_text("Invitation sent to tama@nztech.example")

    context = browser.new_context(viewport={"width": 1100, "height": 900})
    tama = Pages(context.new_page(), live_server.url)
    tama.goto(link_in(smtp.about("invited you")))
    tama.page.get_by_label("Full name").fill("Tama Ngata")
    tama.page.get_by_label("Create a password").fill(PASSWORD)
    tama.page.get_by_label("Type the password again").fill(PASSWORD)
    tama.page.get_by_role("button", name="Create account and accept").click()
    tama.page.get_by_label("Security code").fill(code_from_key(key_from_page(tama)))
    tama.page.get_by_role("button", name="Turn on two-step verification").click()
    tama.goto(f"/assessment/requests/{proposed.reference}/")
    tama.page.get_by_role("button", name="Confirm the decline").click()
    expect(tama.page.locator("main")).to_contain_text("Declined")
    assert Request.objects.get(pk=proposed.pk).status == "declined"
    context.close()

    pages.goto("/administration/windows/")
    page.get_by_role("link", name="Close now Specialist tech workers class exception's window").click()
    page.get_by_label("Why").fill("Enough nominations for the places.")
    page.get_by_role("button", name="Close intake now").click()
    expect(page.locator("main")).to_contain_text("intake is closed")

    pages.goto("/allocation-rounds/")
    page.get_by_role("button", name="Open a round of Specialist tech workers class exception").click()
    expect(page.locator("main")).to_contain_text("What freezing will fix")
    page.get_by_role("button", name="Freeze the pool").click()
    # A real drand round is needed to draw: the publishing and the draw happen on the morning round 657413 was due.
    with time_machine.travel(dt.datetime(2023, 9, 15, 10, 0, tzinfo=dt.UTC), tick=True) as clock:
        page.get_by_role("button", name="Enter my commitment").click()
        secret = page.locator("#secret").inner_text().strip()
        page.get_by_role("link", name="Go to the round").click()
        page.get_by_label("The drand quicknet round to mix in").fill(str(BEACON["round"]))
        page.get_by_role("button", name="Publish the declaration").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("published with its declaration")
        clock.move_to(dt.datetime(2023, 9, 15, 11, 0, 10, tzinfo=dt.UTC))
        pages.goto(f"/allocation-rounds/{TECH}/1/")
        page.get_by_label("Your secret").fill(secret)
        page.get_by_role("button", name="Reveal my secret").click()
        page.get_by_label("The beacon round's signature").fill(BEACON["signature"])
        page.get_by_role("button", name="Draw").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("2 allocated a place, 1 waitlisted")
    assert sorted(Request.objects.get(pk=r.pk).status for r in pool) == ["allocated", "allocated", "waitlisted"]

    history = tmp_path / "history.jsonl"
    history.write_text("".join(LINES), encoding="utf-8")
    for attempt in ("first", "again"):
        pages.goto("/administration/imports/")
        page.get_by_label("Requests (JSON Lines").check()
        page.get_by_label("The file").set_input_files(str(history))
        page.get_by_role("button", name="Import the file").click()
        if attempt == "first":
            expect(page.locator("main")).to_contain_text("Imported 2 records from history.jsonl")
        else:
            expect(page.locator(".govuk-error-summary")).to_contain_text("imported already")
            pages.assert_accessible("admin-imports-again")
    run = ImportRun.objects.get()
    page.get_by_role("link", name=f"Undo import run {run.pk}").click()
    page.get_by_label("Why").fill("Loaded to try the page; not an official history.")
    page.get_by_role("button", name="Undo the import").click()
    expect(page.locator("main")).to_contain_text(f"Import run {run.pk} is undone")

    pages.goto("/statistics/")
    row = page.locator("tr", has=page.locator("th", has_text="Specialist tech workers class exception")).last
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    places, allocated = int(cells[0]), int(cells[1])
    assert (places, allocated) == (2, 2) and allocated <= places
    pages.assert_accessible("statistics-after-the-day")
