"""The scheme administrator's day, in Chromium, against bordercase started for production with the demo loaded.

Called by scripts/production_smoke.py once bordercase serves behind nginx over HTTPS (DEBUG off, static files
collected, PostgreSQL, email over SMTP to a server here that keeps what it receives); pytest collects only
test_*.py, so `make test` does not run it. As issue 14 asks:

- the administrator invites another NZTech assessor, who signs up from the emailed link with an authenticator app
  and confirms the decline waiting in NZTech's queue for a second assessor;
- the administrator closes an intake window now, then freezes, publishes and draws the tech class's round 2;
- imports a history file, is refused importing it again, and undoes it;
- the statistics then show no more places held than places, and the same as the API;
- axe-core finds nothing at 320 px on the requests list, the queue, a public round and the statistics, and no page
  scrolls sideways there;
- and, as issue 20 asks, Hana's look at the request she declined is in the record of who looked (for the
  administrator by her address, for the employer by her body only), the employer downloads her information as a zip
  holding her account and the requests she started but no worker's passport, and the privacy and accessibility
  statements and the download page pass axe-core at 320 px.

Each step raises AssertionError (or Playwright's) with what was expected.
"""

from __future__ import annotations

import base64
import json
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django_otp.oath import TOTP
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.axe import axe_violations
from tests.mail import MailServer, first_link

ROOT = Path(__file__).resolve().parent.parent

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("BORDERCASE_CHROMIUM", "/usr/bin/chromium")
TECH = "tech-specialists-2022"
NEW_ASSESSOR = "hana@nztech.example"
PASSWORD = "a long passphrase for Hana's account"
HISTORY = ('{"category": "eoi-family-2020", "lodged_at": "2020-05-01T10:00:00+12:00"}\n'
           '{"category": "eoi-family-2020", "lodged_at": "2020-05-02T10:00:00+12:00", "decision": "eligible", '
           '"decided_at": "2020-05-04T10:00:00+12:00", "invited_at": "2020-05-05T10:00:00+12:00"}\n')
# The demo's draw of round 1 mixed in drand quicknet round 657413; round 2 names round 1000 of the same chain.
ROUND_2_PUBLIC_VALUE = "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd"


def code(key: str) -> str:
    """What an authenticator app given this base-32 key shows now."""
    return f"{TOTP(base64.b32decode(key)).token():06d}"


class Person:
    """One person's browser window on the site."""

    def __init__(self, context: BrowserContext, base: str) -> None:
        self.context, self.base = context, base
        self.page: Page = context.new_page()

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def sign_in(self, email: str, password: str, key: str) -> None:
        self.goto("/sign-in/")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        if key:
            self.page.get_by_label("Security code").fill(code(key))
            self.page.get_by_role("button", name="Continue").click()
        expect(self.page.get_by_role("button", name="Sign out")).to_be_visible()

    def accessible_at_320(self, path: str) -> None:
        self.goto(path)
        wide = self.page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= 320, f"{path} is {wide} px wide at 320 px: the page scrolls sideways"
        violations = axe_violations(self.page, AXE)
        assert violations == [], f"axe-core at 320 px on {path}: {violations}"


@contextmanager
def window(browser: Browser, base: str, *, width: int = 1100) -> Iterator[Person]:
    # The proxy's certificate is made for this run, so no authority vouches for it.
    context = browser.new_context(viewport={"width": width, "height": 900}, ignore_https_errors=True)
    try:
        yield Person(context, base)
    finally:
        context.close()


def invite_an_assessor(admin: Person) -> None:
    admin.goto("/administration/staff/")
    admin.page.get_by_role("link", name="Invite someone to NZTech").click()
    admin.page.get_by_label("Email address").fill(NEW_ASSESSOR)
    admin.page.get_by_label("Assessor").check()
    admin.page.get_by_label("Why").fill("A third assessor for the tech class's nominations.")
    admin.page.get_by_role("button", name="Send the invitation").click()
    expect(admin.page.locator("main")).to_contain_text(f"Invitation sent to {NEW_ASSESSOR}")


def sign_up_and_confirm_a_decline(hana: Person, mail: MailServer) -> str:
    hana.page.goto(first_link(mail.about("invited you", timeout=30)))
    hana.page.get_by_label("Full name").fill("Hana Te Rangi")
    hana.page.get_by_label("Create a password").fill(PASSWORD)
    hana.page.get_by_label("Type the password again").fill(PASSWORD)
    hana.page.get_by_role("button", name="Create account and accept").click()
    hana.page.get_by_text("I cannot scan the QR code").click()
    key = hana.page.locator("#secret-key").inner_text().replace(" ", "")
    hana.page.get_by_label("Security code").fill(code(key))
    hana.page.get_by_role("button", name="Turn on two-step verification").click()
    hana.goto("/assessment/")
    waiting = hana.page.locator("tr", has=hana.page.get_by_text("Decline to confirm"))
    expect(waiting).to_have_count(1)
    reference = waiting.locator("a.bc-reference").inner_text().strip()
    waiting.locator("a.bc-reference").click()
    hana.page.get_by_role("button", name="Confirm the decline").click()
    expect(hana.page.locator("main")).to_contain_text("Declined")
    return reference


def who_looked(admin: Person, employer: Person, reference: str) -> None:
    admin.goto(f"/administration/reads/?reference={reference}")
    expect(admin.page.get_by_role("region", name="Reads found")).to_contain_text(NEW_ASSESSOR)
    employer.goto(f"/requests/{reference}/")
    expect(employer.page.get_by_role("table", name="Organisations that looked")).to_contain_text("NZTech")
    expect(employer.page.locator("main")).not_to_contain_text(NEW_ASSESSOR)


def my_information(employer: Person, email: str, reference: str) -> None:
    employer.goto("/account/my-data/")
    with employer.page.expect_download() as downloading:
        employer.page.get_by_role("button", name="Download your information (zip)").click()
    with zipfile.ZipFile(downloading.value.path()) as made:
        data = json.loads(made.read("data.json"))
    assert data["account"]["email"] == email, f"the zip is of {data['account']['email']}, not {email}"
    started = {r["reference"] for r in data["requests_you_started_for_an_employer"]}
    assert reference in started, f"{reference} is not among the requests {email} started: {sorted(started)}"
    assert data["requests_about_you"] == [] and "passport_number" not in json.dumps(data), \
        "an employer's download holds a worker's personal details"


def close_a_window(admin: Person) -> None:
    admin.goto("/administration/windows/")
    admin.page.get_by_role("link", name=re.compile(r"^Close now ")).first.click()
    expect(admin.page.locator("main")).to_contain_text("draft")  # the effect, shown before confirming
    admin.page.get_by_label("Why").fill("The scheme's intake ends today, as announced.")
    admin.page.get_by_role("button", name="Close intake now").click()
    expect(admin.page.locator("main")).to_contain_text("intake is closed")


def draw_round_2(admin: Person) -> None:
    admin.goto("/allocation-rounds/")
    admin.page.get_by_role("link", name="Round 2").first.click()
    admin.page.get_by_role("button", name="Freeze the pool").click()
    admin.page.get_by_label("The public value the draw will mix in").fill(
        "The randomness of drand quicknet round 1000")
    admin.page.get_by_role("button", name="Publish the round").click()
    secret = admin.page.locator("#secret").inner_text().strip()
    admin.page.get_by_role("link", name="Go to the round").click()
    admin.page.get_by_label("The secret").fill(secret)
    admin.page.get_by_label("The public value").fill(ROUND_2_PUBLIC_VALUE)
    admin.page.get_by_role("button", name="Reveal the secret and draw").click()
    expect(admin.page.locator(".govuk-notification-banner")).to_contain_text("2 allocated a place, 1 waitlisted")


def import_twice_and_undo(admin: Person, work: Path) -> None:
    history = work / "history.jsonl"
    history.write_text(HISTORY, encoding="utf-8")
    for attempt in ("first", "again"):
        admin.goto("/administration/imports/")
        admin.page.get_by_label("Requests (JSON Lines").check()
        admin.page.get_by_label("The file").set_input_files(str(history))
        admin.page.get_by_role("button", name="Import the file").click()
        if attempt == "first":
            expect(admin.page.locator("main")).to_contain_text("Imported 2 records from history.jsonl")
        else:
            expect(admin.page.locator(".govuk-error-summary")).to_contain_text("imported already")
    undo = admin.page.get_by_role("link", name=re.compile(r"^Undo import run \d+$")).last
    run = (undo.inner_text().split()[-1])
    undo.click()
    admin.page.get_by_label("Why").fill("Loaded to try the page; not an official history.")
    admin.page.get_by_role("button", name="Undo the import").click()
    expect(admin.page.locator("main")).to_contain_text(f"Import run {run} is undone")


def places_held(admin: Person) -> tuple[int, int]:
    """The tech class's places and places held, as /statistics/ shows them; checked against the API's."""
    admin.goto("/statistics/")
    row = admin.page.locator("tr", has=admin.page.locator("th", has_text="Specialist tech workers")).last
    cells = [c.strip().replace(",", "") for c in row.locator("td").all_inner_texts()]
    places, held = int(cells[0]), int(cells[1])
    # Fetched by the page, so through the same proxy and name as the browser (the API client of Playwright's own
    # would not resolve the test's host name).
    summary = admin.page.evaluate("async () => (await fetch('/api/v1/stats/summary')).json()")
    api = next(p for p in summary["places"] if p["scheme"] == TECH)
    assert (api["places"], api["allocated"]) == (places, held), f"page {places, held}, API {api}"
    return places, held


def walk(base: str, accounts: dict[str, tuple[str, str]], mail: MailServer, work: Path, host: str) -> None:
    """The whole day; ``accounts`` is each demo email's (password, authenticator key) as `demo` printed them."""
    args = ["--no-sandbox", "--disable-gpu", "--no-first-run", f"--host-resolver-rules=MAP {host} 127.0.0.1"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        with window(browser, base) as admin:
            admin.sign_in("admin@mbie.example", *accounts["admin@mbie.example"])
            invite_an_assessor(admin)
            with window(browser, base) as hana:
                declined = sign_up_and_confirm_a_decline(hana, mail)
            with window(browser, base) as aroha:
                aroha.sign_in("aroha@kowhai.example", *accounts["aroha@kowhai.example"])
                who_looked(admin, aroha, declined)
                my_information(aroha, "aroha@kowhai.example", declined)
            close_a_window(admin)
            draw_round_2(admin)
            import_twice_and_undo(admin, work)
            places, held = places_held(admin)
            assert held == places == 600, f"{held} places held of {places} after round 2's draw"
        with window(browser, base, width=320) as anyone:
            for path in ("/privacy/", "/accessibility/"):
                anyone.accessible_at_320(path)
        for email, paths in (("aroha@kowhai.example", ["/requests/", f"/allocation/{TECH}/1/", "/statistics/",
                                                       "/account/my-data/"]),
                             ("mere@nztech.example", ["/assessment/"])):
            with window(browser, base, width=320) as person:
                person.sign_in(email, *accounts[email])
                for path in paths:
                    person.accessible_at_320(path)
        browser.close()
