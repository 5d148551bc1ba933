"""The pages of the foundation, in a real browser: start, sign in and out, requests, history, API tokens."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from bordercase.accounts.models import ApiToken
from bordercase.cases.models import Request
from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, World
from tests.walking import walk


def test_the_start_page_explains_the_service_and_leads_to_sign_in(pages: Pages, world: World) -> None:
    pages.goto("/")
    expect(pages.page.get_by_role("heading", level=1)).to_have_text("Request a border exception")
    pages.assert_accessible("start")
    pages.page.get_by_role("button", name="Start now").click()
    expect(pages.page).to_have_url(re.compile(r"/sign-in/"))


def test_signing_in_with_nothing_entered_shows_an_error_summary_linked_to_each_field(
    pages: Pages, world: World
) -> None:
    pages.goto("/sign-in/")
    pages.page.get_by_role("button", name="Sign in").click()
    summary = pages.page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter your email address")
    expect(summary).to_contain_text("Enter your password")
    expect(pages.page).to_have_title(re.compile(r"^Error: "))
    pages.assert_accessible("sign-in-errors")
    summary.get_by_role("link", name="Enter your email address").click()
    expect(pages.page.get_by_label("Email address")).to_be_focused()


def test_a_wrong_password_is_refused_with_what_to_do(pages: Pages, world: World) -> None:
    pages.sign_in(world.employer_a.email, "not the password")
    expect(pages.page.locator(".govuk-error-summary")).to_contain_text("do not match an account")
    expect(pages.page).to_have_url(re.compile(r"/sign-in/"))


def test_an_employer_sees_only_their_organisations_requests_and_each_history(
    pages: Pages, world: World, make_request: Callable[..., Request]
) -> None:
    ours = walk(make_request(), [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech)])
    walk(ours, [("request_information", world.assessor_nztech)], reason="Upload the signed employment agreement.")
    theirs = make_request(
        scheme="other-essential-worker-2020", by=world.employer_b, organisation=world.org_b, body="inz"
    )

    pages.sign_in(world.employer_a.email, PASSWORD)
    expect(pages.page.get_by_role("heading", level=1)).to_have_text("Requests")
    table = pages.page.get_by_role("table")
    expect(table).to_contain_text(ours.reference)
    expect(table).to_contain_text("Information requested")
    expect(table).not_to_contain_text(theirs.reference)
    pages.assert_accessible("requests")

    pages.page.get_by_role("link", name=ours.reference).click()
    expect(pages.page.get_by_role("heading", level=1)).to_contain_text(ours.reference)
    history = pages.page.get_by_role("table")
    expect(history.get_by_role("row")).to_have_count(1 + 4)
    expect(history).to_contain_text("Upload the signed employment agreement.")
    expect(history).to_contain_text("Mere Tawhiri")
    pages.assert_accessible("request-history")

    response = pages.goto(f"/requests/{theirs.reference}/")
    assert response is not None and response.status == 404
    pages.console_errors.clear()  # Chromium logs the 404 status of the page itself; that one is expected.
    expect(pages.page.get_by_role("heading", level=1)).to_have_text("Page not found")
    pages.assert_accessible("not-found")


def test_an_assessor_sees_their_bodys_lodged_requests_but_not_drafts(
    pages: Pages, world: World, make_request: Callable[..., Request]
) -> None:
    lodged = walk(make_request(), [("lodge", world.employer_a)])
    draft = make_request()
    other_body = walk(make_request(body="itpnz"), [("lodge", world.employer_a)])
    pages.sign_in(world.assessor_nztech.email, PASSWORD)
    table = pages.page.get_by_role("table")
    expect(table).to_contain_text(lodged.reference)
    expect(table).not_to_contain_text(draft.reference)
    expect(table).not_to_contain_text(other_body.reference)


def test_a_user_creates_an_api_token_sees_it_once_and_revokes_it(pages: Pages, world: World) -> None:
    pages.sign_in(world.employer_a.email, PASSWORD)
    pages.page.get_by_role("link", name="API tokens").click()
    pages.page.get_by_role("button", name="Create token").click()
    expect(pages.page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the token")
    pages.assert_accessible("api-tokens-error")

    pages.page.get_by_label("Token name").fill("HR system")
    pages.page.get_by_role("button", name="Create token").click()
    shown = pages.page.locator("#new-token").inner_text()
    assert shown.startswith("bc_")
    token = ApiToken.objects.get(user=world.employer_a)
    assert shown not in token.secret_hash and token.revoked_at is None
    pages.assert_accessible("api-token-created")

    pages.goto("/account/api-tokens/")
    expect(pages.page.locator("body")).not_to_contain_text(shown)
    pages.page.get_by_role("button", name="Revoke HR system").click()
    expect(pages.page.get_by_role("table")).to_contain_text("Revoked")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_signing_out_ends_the_session(pages: Pages, world: World) -> None:
    pages.sign_in(world.employer_a.email, PASSWORD)
    pages.page.get_by_role("button", name="Sign out").click()
    expect(pages.page.get_by_role("heading", level=1)).to_have_text("Request a border exception")
    pages.goto("/requests/")
    expect(pages.page).to_have_url(re.compile(r"/sign-in/\?next=/requests/"))


def test_signing_in_and_reading_requests_works_without_javascript(
    pages_without_javascript: Pages, world: World, make_request: Callable[..., Request]
) -> None:
    request = make_request()
    pages_without_javascript.sign_in(world.employer_a.email, PASSWORD)
    page = pages_without_javascript.page
    expect(page.get_by_role("table")).to_contain_text(request.reference)
    page.get_by_role("link", name=request.reference).click()
    # A draft opens as its task list, which names it by its reference.
    expect(page.get_by_role("heading", level=1)).to_have_text("Nominate a worker")
    expect(page.locator("main")).to_contain_text(request.reference)


def test_a_lodged_request_shows_what_the_rules_found_with_every_reason(
    pages: Pages, world: World, make_request: Callable[..., Request]
) -> None:
    answers = {"anzsco_code": "261313", "annual_salary_nzd": 110000, "employment_agreement_signed": True,
               "pipeline_programmes": ["Code Club Aotearoa"], "industry_memberships": []}
    lodged = walk(make_request(answers=answers), [("lodge", world.employer_a)])

    pages.sign_in(world.employer_a.email, PASSWORD)
    pages.goto(f"/requests/{lodged.reference}/")
    found = pages.page.get_by_role("heading", name="What the scheme's rules found")
    expect(found).to_be_visible()
    main = pages.page.locator("main")
    expect(main).to_contain_text("likely ineligible")
    expect(main).to_contain_text(
        "Salary NZ$110,000 is below the NZ$120,000 threshold for ANZSCO 2613 Software and Applications Programmers."
    )
    expect(main).to_contain_text("Code Club Aotearoa, which is not on the maintained list")
    expect(main).to_contain_text("Active member of an industry body: none given.")
    expect(main.locator(".govuk-tag", has_text="Not met")).to_have_count(2)
    expect(main.locator(".govuk-tag", has_text="Needs review")).to_have_count(1)
    pages.assert_accessible("request-evaluation")
