"""The privacy statement in a real browser: reached from the footer and from the sign-up page's notice, its periods
those of the retention schedule, axe-core clean at full width and at 320 px."""

from __future__ import annotations

from playwright.sync_api import expect

from bordercase.retention.schedule import Kind, schedule_load
from tests.browser.conftest import Pages
from tests.conftest import World


def test_the_statement_is_reached_from_the_footer_and_from_sign_up_and_reads_at_320_px(
    pages: Pages, world: World
) -> None:
    page = pages.page
    pages.goto("/")
    page.locator("footer").get_by_role("link", name="Privacy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy statement")
    declined = schedule_load().rule(Kind.DECLINED)
    expect(page.locator('[data-retention-period="declined"]')).to_have_text(
        f"{declined.kept_for} {declined.counted_from_text}")
    expect(page.get_by_role("link", name="download your data")).to_have_attribute("href", "/account/my-data/")
    pages.assert_accessible("privacy-statement")

    pages.goto("/sign-up/")
    notice = page.locator("#privacy-notice")
    expect(notice).to_contain_text("sign you in")
    notice.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy statement")

    page.set_viewport_size({"width": 320, "height": 800})
    pages.goto("/privacy/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the privacy statement is {width} px wide at 320 px"
    pages.assert_accessible("privacy-statement-320")
    pages.goto("/sign-up/")
    pages.assert_accessible("sign-up-with-privacy-notice-320")
