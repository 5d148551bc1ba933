"""axe-core run in a page, for the browser tests and the production journey alike. Free of Django."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page: Page, axe_source: Path) -> list[tuple[str, str, list[object]]]:
    """What axe-core (WCAG 2.2 A and AA rules, and best practice) finds on the page: (rule, help, where)."""
    # Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) still applies to the app.
    page.evaluate(axe_source.read_text(encoding="utf-8"))
    # Only the violations' nodes are needed: axe then skips collecting every passing node's details.
    result = page.evaluate(f"() => axe.run(document, {{runOnly: {{type: 'tag', values: {WCAG_22_AA!r}}}, "
                           "resultTypes: ['violations']})")
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
