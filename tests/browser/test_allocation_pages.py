"""An allocation round in a real browser: the administrator and an observer commit, publish, reveal and draw a
bordercase-ballot-v2 round with a real drand quicknet round, anyone reads the public page and checks the files, and
a place given up is reallocated.

Every page on the way is checked with axe-core (through ``pages.assert_accessible``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rfc8785
import time_machine
from playwright.sync_api import Browser, expect

from bordercase.ballot import cli as ballot_cli
from bordercase.ballot.manifest_v2 import ManifestV2, verify_v2
from bordercase.cases.models import AllocationEntry, AllocationRound, Request
from tests.allocation_support import TECH, close_intake, eligible
from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, MailServer, World, set_places, window_around
from tests.walking import walk

DRAND = json.loads((Path(__file__).parents[1] / "data" / "drand" / "quicknet.json").read_text())
BEACON = DRAND["rounds"][1]  # quicknet round 657413, due 2023-09-15T11:00:03Z
TOO_EARLY = DRAND["rounds"][0]  # round 1000, public since August 2023
OBSERVER_SECRET = bytes(range(100, 132))


@pytest.fixture
def visitor(browser: Browser, live_server: Any) -> Iterator[Pages]:
    """Someone who is not signed in, in a browser of their own."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    yield Pages(context.new_page(), live_server.url)
    context.close()


@pytest.fixture
def observer_pages(browser: Browser, live_server: Any) -> Iterator[Pages]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    yield Pages(context.new_page(), live_server.url)
    context.close()


@pytest.fixture
def september_2023(settings: Any) -> Iterator[Any]:
    """The morning round 657413 was due. The browser lives in today's time, so the cookies the server sets carry
    no expiry date it would find long past."""
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE, settings.CSRF_COOKIE_AGE = True, None
    with time_machine.travel(dt.datetime(2023, 9, 15, 9, 0, tzinfo=dt.UTC), tick=True) as clock:
        yield clock


def test_an_administrator_and_an_observer_run_a_v2_ballot_and_anyone_checks_it(
    pages: Pages, observer_pages: Pages, visitor: Pages, world: World, smtp: MailServer, september_2023: Any,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    window_around(TECH, dt.datetime(2023, 9, 15, 8, 0, tzinfo=dt.UTC))
    set_places(2)
    pool = [eligible(world), eligible(world), eligible(world, employer="b")]
    close_intake()
    page = pages.page

    pages.sign_in(world.administrator.email, PASSWORD)
    page.get_by_role("link", name="Allocation rounds", exact=True).click()
    expect(page.locator("main")).to_contain_text("3 waiting for a round")
    pages.assert_accessible("allocation-rounds")
    page.get_by_role("button", name="Open a round of Specialist tech workers class exception").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Allocation round 1")
    page.get_by_role("button", name="Freeze the pool").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("frozen with 3 entries for 2 places")
    pages.assert_accessible("allocation-round-frozen")

    # The administrator names an observer from NZTech, and commits to a secret bordercase makes.
    page.get_by_label("The observer's email address").fill(world.employer_a.email)
    page.get_by_role("button", name="Name the observer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not staff of an assessing body")
    pages.assert_accessible("allocation-round-observer-error")
    page.get_by_label("The observer's email address").fill(world.assessor_nztech.email)
    page.get_by_role("button", name="Name the observer").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("holds secret 2")
    page.get_by_role("button", name="Enter my commitment").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Copy the secret now: it will not be shown again")
    secret = page.locator("#secret").inner_text().strip()
    assert len(secret) == 64
    pages.assert_accessible("allocation-round-commitment-secret")
    page.get_by_role("link", name="Go to the round").click()
    expect(page.get_by_role("table")).to_contain_text(hashlib.sha256(bytes.fromhex(secret)).hexdigest())

    page.get_by_label("The drand quicknet round to mix in").fill(str(BEACON["round"]))
    page.get_by_role("button", name="Publish the declaration").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Waiting for the commitment of mere@nztech.example")

    # The observer commits to a secret of their own making, on their own page.
    observer_pages.sign_in(world.assessor_nztech.email, PASSWORD)
    observer_pages.goto(f"/allocation-rounds/{TECH}/1/holder/")
    theirs = observer_pages.page
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Your secret for the ballot")
    theirs.get_by_label("Your commitment (optional)").fill("not a digest")
    theirs.get_by_role("button", name="Enter my commitment").click()
    expect(theirs.locator(".govuk-error-summary")).to_contain_text("64 characters, 0 to 9 and a to f")
    observer_pages.assert_accessible("allocation-holder-commitment-error")
    theirs.get_by_label("Your commitment (optional)").fill(hashlib.sha256(OBSERVER_SECRET).hexdigest())
    theirs.get_by_role("button", name="Enter my commitment").click()
    expect(theirs.locator(".govuk-notification-banner")).to_contain_text("Your commitment is entered")
    observer_pages.assert_accessible("allocation-holder-committed")

    # Publishing at ten: a beacon round already public is refused, the one due at 11:00:03 is declared.
    september_2023.move_to(dt.datetime(2023, 9, 15, 10, 0, tzinfo=dt.UTC))
    pages.goto(f"/allocation-rounds/{TECH}/1/")
    page.get_by_label("The drand quicknet round to mix in").fill(str(TOO_EARLY["round"]))
    page.get_by_role("button", name="Publish the declaration").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("name a quicknet round due at least 2 minutes")
    pages.assert_accessible("allocation-round-publish-error")
    page.get_by_label("The drand quicknet round to mix in").fill(str(BEACON["round"]))
    page.get_by_role("button", name="Publish the declaration").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("published with its declaration")
    pages.assert_accessible("allocation-round-published")

    visitor.goto(f"/allocation/{TECH}/1/")
    public = visitor.page
    published = AllocationRound.objects.get()
    expect(public.locator("pre").first).to_contain_text('"protocol":"bordercase-ballot-v2"')
    expect(public.locator(".govuk-summary-list")).to_contain_text(published.declaration_sha256)
    expect(public.locator(".govuk-summary-list")).to_contain_text("drand quicknet round 657413")
    chances = public.get_by_role("table", name="Entries by their chance of selection")
    expect(chances).to_be_visible()
    assert sum(published.odds["chance"].values()) == pytest.approx(2)  # two places among three workers
    expect(public.get_by_role("table", name="Places expected per category")).to_be_visible()
    visitor.assert_accessible("allocation-round-public-declared")

    # After the beacon: both reveal, and the administrator draws with the round's signature.
    september_2023.move_to(dt.datetime(2023, 9, 15, 11, 0, 10, tzinfo=dt.UTC))
    observer_pages.goto(f"/allocation-rounds/{TECH}/1/holder/")
    theirs.get_by_label("Your secret").fill(secret)  # the administrator's, not theirs
    theirs.get_by_role("button", name="Reveal my secret").click()
    expect(theirs.locator(".govuk-error-summary")).to_contain_text("does not match your commitment")
    theirs.get_by_label("Your secret").fill(OBSERVER_SECRET.hex())
    theirs.get_by_role("button", name="Reveal my secret").click()
    expect(theirs.locator(".govuk-notification-banner")).to_contain_text("matches your commitment")
    pages.goto(f"/allocation-rounds/{TECH}/1/")
    page.get_by_label("Your secret").fill(secret)
    page.get_by_role("button", name="Reveal my secret").click()
    page.get_by_label("The beacon round's signature").fill(TOO_EARLY["signature"])
    page.get_by_role("button", name="Draw").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not drand-quicknet's for round 657413")
    pages.assert_accessible("allocation-round-draw-error")
    assert AllocationRound.objects.get().status == "published"
    page.get_by_label("The beacon round's signature").fill(BEACON["signature"])
    page.get_by_role("button", name="Draw").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 allocated a place, 1 waitlisted")
    pages.assert_accessible("allocation-round-drawn")
    assert sorted(Request.objects.get(pk=r.pk).status for r in pool) == ["allocated", "allocated", "waitlisted"]
    smtp.about("2 of your Specialist tech workers class exception requests: the draw of round 1")

    public.reload()
    drawn = AllocationRound.objects.get()
    for value in (secret, OBSERVER_SECRET.hex(), drawn.seed, BEACON["signature"], drawn.results_sha256):
        expect(public.locator(".govuk-summary-list")).to_contain_text(value)
    tests = public.get_by_role("table", name="The draw's self-tests")
    for grouping in ("Lodgement week", "Category", "Employer size", "Weight"):
        expect(tests).to_contain_text(grouping)
    downloads = public.get_by_role("table", name="The round's files and their SHA-256 digests")
    files = {}
    for name in ("declaration.json", "manifest.json", "entries.csv", "results.csv"):
        with public.expect_download() as download:
            downloads.get_by_role("link", name=f"{TECH}-round-1-{name}").click()
        files[name] = Path(download.value.path()).read_bytes()
    manifest = ManifestV2.from_json(files["manifest.json"])
    assert manifest.declaration.canonical() == files["declaration.json"]
    assert verify_v2(manifest, files["entries.csv"], files["results.csv"]) == []
    verified_as_downloaded(files, tmp_path, capsys)
    expect(public.locator("pre").last).to_contain_text("bordercase ballot verify")
    visitor.assert_accessible("allocation-round-public-drawn")

    holder = next(r for r in pool if Request.objects.get(pk=r.pk).status == "allocated")
    walk(Request.objects.get(pk=holder.pk), [("withdraw", holder.created_by)], reason="The worker stayed home.")
    public.reload()
    released = holder.allocation_entries.get().entry_id
    row = public.get_by_role("row").filter(has_text=released)
    expect(row).to_contain_text("Withdrawn")
    waitlisted = AllocationEntry.objects.get(round=drawn, rank=3)  # no caps, no duplicates: the third was waitlisted
    expect(row).to_contain_text(waitlisted.entry_id)
    visitor.assert_accessible("allocation-round-public-reallocated")


def verified_as_downloaded(files: dict[str, bytes], folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`bordercase ballot verify` accepts the files as downloaded, and refuses each change with its own message."""
    def verify(manifest: dict[str, Any] | None = None, entries: bytes | None = None,
               results: bytes | None = None) -> tuple[int, str]:
        paths = folder / "manifest.json", folder / "entries.csv", folder / "results.csv"
        paths[0].write_bytes(rfc8785.dumps(manifest) if manifest else files["manifest.json"])
        paths[1].write_bytes(files["entries.csv"] if entries is None else entries)
        paths[2].write_bytes(files["results.csv"] if results is None else results)
        code = ballot_cli.main(["verify", *map(str, paths)])
        return code, capsys.readouterr().err

    assert verify() == (0, "")
    original = json.loads(files["manifest.json"])

    def changed(change: Any) -> dict[str, Any]:
        manifest = json.loads(json.dumps(original))
        change(manifest)
        return manifest

    refusals = {
        "The declaration is not the one published": verify(changed(lambda m: m["declaration"].update(places=3))),
        "Secret 2 does not match commitment 2": verify(changed(lambda m: m["secrets"].__setitem__(1, "ab" * 32))),
        "is not drand-quicknet's for round 657413": verify(changed(
            lambda m: m["beacon"].update(signature=TOO_EARLY["signature"]))),
        "before the declaration was published": verify(changed(
            lambda m: m["declaration"].update(published_at="2023-09-15T11:30:00Z"))),
        "The entries file is not the one declared": verify(entries=files["entries.csv"] + b"ZZZ,1,,,\n"),
        "The results file is not the one published": verify(results=files["results.csv"].replace(
            b"selected", b"waitlisted", 1)),
    }
    for words, (code, said) in refusals.items():
        assert code == 1 and words in said, (words, said)
