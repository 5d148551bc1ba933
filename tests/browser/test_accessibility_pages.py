"""The accessibility statement in Chromium: reached from a page's footer with the keyboard alone, axe-clean, fitting
320 px, and read and followed without JavaScript."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, World

# More than enough presses to cross any of these pages: each has a few dozen links and controls at most.
MOST_TABS = 120


def tab_to(pages: Pages, name: str) -> None:
    """Press Tab until the link called ``name`` has the focus, checking each stop is visible as it is reached."""
    page = pages.page
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        expect(focused).to_be_visible()  # no stop on the way is hidden from someone who sees the screen
        if focused.evaluate("e => e.tagName === 'A' && e.textContent.trim()") == name:
            return
    raise AssertionError(f"Tab never reached the link {name!r}")


def test_the_statement_is_reached_from_the_footer_with_the_keyboard_alone(pages: Pages, world: World) -> None:
    page = pages.page
    for path in ("/", "/rules/"):
        pages.goto(path)
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
        tab_to(pages, "Accessibility")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    # The statement says how to report a problem and what happens then, and when it was prepared.
    main = page.locator("main")
    for heading in ("The standard we aim to meet", "How we test bordercase", "Known issues", "Report a problem",
                    "What happens next", "Preparation of this statement"):
        expect(main.get_by_role("heading", name=heading)).to_be_visible()
    expect(main).to_contain_text("Web Accessibility Standard 1.2")
    pages.assert_accessible("accessibility-statement")


def test_the_statement_fits_320_px_and_is_linked_for_someone_signed_in(pages: Pages, world: World) -> None:
    page = pages.page
    pages.sign_in(world.employer_a.email, PASSWORD)
    page.set_viewport_size({"width": 320, "height": 800})
    page.locator("footer").get_by_role("link", name="Accessibility").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the statement is {width} px wide at 320 px"
    pages.assert_accessible("accessibility-statement-320")


def test_the_statement_is_followed_and_read_without_javascript(pages_without_javascript: Pages, world: World) -> None:
    # (axe-core needs JavaScript itself, so the tests above check this page with it.)
    pages_without_javascript.goto("/")
    page = pages_without_javascript.page
    page.locator("footer").get_by_role("link", name="Accessibility").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    expect(page.locator("main")).to_contain_text("What happens next")
