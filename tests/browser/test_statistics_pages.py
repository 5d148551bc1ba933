"""The public statistics page in a real browser: the seed's figures, charts that render, axe-core clean."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command
from playwright.sync_api import expect

from bordercase.reporting import seed_history
from tests.browser.conftest import Pages
from tests.conftest import World


def test_the_public_reads_the_figures_as_at_a_date_with_charts_and_tables(
    pages: Pages, world: World, tmp_path: Path
) -> None:
    requests_file, offshore_file = tmp_path / "requests.jsonl", tmp_path / "offshore.csv"
    requests_file.write_text("".join(seed_history.requests_jsonl()), encoding="utf-8")
    offshore_file.write_text("".join(seed_history.offshore_csv()), encoding="utf-8")
    call_command("import", "requests", str(requests_file), stdout=StringIO(), stderr=StringIO())
    call_command("import", "offshore-visa-holders", str(offshore_file), stdout=StringIO(), stderr=StringIO())

    pages.goto("/statistics/?as_at=2020-06-10")
    page = pages.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Border exception statistics as at 10 June 2020")
    page.wait_for_load_state("load")  # the charts are images: wait for them before looking
    headline = page.locator(".govuk-summary-list").first
    expect(headline).to_contain_text("15,331")
    expect(headline).to_contain_text("2,914")
    expect(headline).to_contain_text("2,456")
    for chart in page.locator("img.bc-chart").all():
        # Each chart loaded as an image (its natural width is set once the SVG has rendered).
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0"), chart.get_attribute("src")
    pages.assert_accessible("statistics")

    page.get_by_label("Show the figures as at (YYYY-MM-DD)").fill("2020-05-27")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Border exception statistics as at 27 May 2020")
    expect(page.get_by_role("table").last).to_contain_text("10,062")
    page.wait_for_load_state("load")
    pages.assert_accessible("statistics-27-may")

    page.get_by_label("Show the figures as at (YYYY-MM-DD)").fill("27/05/2020")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("YYYY-MM-DD")
    pages.assert_accessible("statistics-error")
