"""At 320 px wide (a small phone, or 1280 px zoomed to 400%) the busiest pages fit without the page scrolling
sideways: their wide tables scroll inside a focusable region of their own. Each is checked with axe-core."""

from __future__ import annotations

import pytest

from bordercase.cases.models import Request
from tests.allocation_support import drawn_round, eligible
from tests.browser.conftest import Pages
from tests.conftest import PASSWORD, World, set_places


@pytest.fixture
def small(pages: Pages) -> Pages:
    pages.page.set_viewport_size({"width": 320, "height": 800})
    return pages


def assert_fits(pages: Pages, name: str) -> None:
    width = pages.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{name} is {width} px wide at 320 px"
    pages.assert_accessible(f"{name}-320")


def test_the_requests_list_the_queue_a_public_round_and_the_statistics_fit_320_px(
    small: Pages, world: World
) -> None:
    set_places(2)
    requests = [eligible(world), eligible(world), eligible(world, employer="b")]
    drawn = drawn_round(world)
    assert Request.objects.filter(pk__in=[r.pk for r in requests], status="allocated").count() == 2

    small.sign_in(world.employer_a.email, PASSWORD)
    small.goto("/requests/")
    assert_fits(small, "requests")
    region = small.page.locator(".bc-table-region").first
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    small.page.context.clear_cookies()

    small.sign_in(world.assessor_nztech.email, PASSWORD)
    small.goto("/assessment/?status=")
    assert_fits(small, "queue")
    small.page.context.clear_cookies()

    small.goto(f"/allocation/{drawn.scheme.code}/{drawn.number}/")
    assert_fits(small, "public-round")
    small.goto("/statistics/")
    assert_fits(small, "statistics")
