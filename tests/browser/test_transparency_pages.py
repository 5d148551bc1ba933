"""The transparency log's public pages in Chromium: reached from every page's footer, axe-clean, fitting 320 px."""

from __future__ import annotations

from bordercase.cases.models import Request
from bordercase.transparency.checkpoints import checkpoint_make, log_signer
from tests.browser.conftest import Pages
from tests.conftest import World


def test_the_pages_in_chromium_are_accessible_and_fit_320_px(pages: Pages, world: World, lodged: Request) -> None:
    checkpoint_make()
    page = pages.page
    pages.goto("/")
    page.get_by_role("link", name="Transparency log").click()
    assert page.get_by_role("heading", level=1).inner_text() == "The transparency log"
    assert log_signer().verifier_key() in page.locator("#public-key").inner_text()
    pages.assert_accessible("transparency")
    page.get_by_role("link", name="every checkpoint signed so far").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Every checkpoint of the transparency log"
    pages.assert_accessible("transparency-checkpoints")
    page.set_viewport_size({"width": 320, "height": 800})
    for path in ("/transparency/", "/transparency/checkpoints/"):
        pages.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        pages.assert_accessible(f"{path.strip('/').replace('/', '-')}-320")
