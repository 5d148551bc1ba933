"""The accessibility statement: what the New Zealand Government's guidance asks a statement to say, and a link to
it in the footer of every page."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from bordercase.accounts.models import User
from tests.conftest import World, signed_in

STATEMENT = "/accessibility/"
TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "bordercase"


def page(client: Client, path: str = STATEMENT) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def test_the_statement_says_what_the_guidance_asks_for(db: None, client: Client) -> None:
    text = page(client)
    assert "<h1 class=\"govuk-heading-xl\">Accessibility statement</h1>" in text
    headings = re.findall(r'<h2 class="govuk-heading-l" id="([a-z-]+)">', text)
    assert headings == ["standard", "testing", "known-issues", "report", "prepared"]
    # The standard, and how far the service meets it.
    assert "New Zealand Government Web Accessibility Standard 1.2" in text and "WCAG) 2.2 at level AA" in text
    assert "<strong>partially meets</strong> WCAG 2.2 level AA" in text
    # How it was tested, and what was not.
    for how in ("axe-core", "keyboard alone", "320 pixels wide", "JavaScript turned off"):
        assert how in text.split('id="testing"')[1].split('id="known-issues"')[0]
    assert "not yet been tested by disabled people" in text
    # Known issues name the criterion they fail.
    known = text.split('id="known-issues"')[1].split('id="report"')[0]
    assert "WCAG 2.2.1, timing adjustable" in known and "WCAG 1.3.1, info and relationships" in known
    # How to report a problem, what happens next, and where to go after that.
    assert "What happens next" in text and "within 5 working days" in text and "Human Rights Commission" in text
    assert "This statement was prepared on 6 December 2026. It was last reviewed on 6 December 2026" in text


def test_a_problem_is_reported_to_the_address_the_deployment_gives(db: None, client: Client, settings: Any) -> None:
    settings.ACCESSIBILITY_EMAIL = "accessibility@agency.govt.nz"
    assert ('Email <a class="govuk-link" href="mailto:accessibility@agency.govt.nz">accessibility@agency.govt.nz</a>'
            in page(client))
    settings.ACCESSIBILITY_EMAIL = ""
    text = page(client)
    assert "mailto:" not in text and "Contact the agency that runs this service" in text


def test_the_time_a_sign_in_lasts_is_the_one_configured(db: None, client: Client, settings: Any) -> None:
    assert "signed out about 8 hours after you sign in" in page(client)
    settings.SESSION_COOKIE_AGE = 3600
    assert "signed out about 1 hour after you sign in" in page(client)


def test_the_statement_is_read_only(db: None, client: Client) -> None:
    assert client.post(STATEMENT).status_code == 405
    assert client.head(STATEMENT).status_code == 200


def test_an_address_that_is_not_an_email_address_is_refused_as_the_service_starts(tmp_path: Path) -> None:
    environment = {"PATH": "/usr/bin:/bin", "BORDERCASE_VAR_DIR": str(tmp_path / "var"),
                   "BORDERCASE_ACCESSIBILITY_EMAIL": "the web team"}
    result = subprocess.run([sys.executable, "-c", "import bordercase.settings"], capture_output=True, text=True,
                            timeout=120, check=False, env=environment)
    assert result.returncode != 0
    assert "BORDERCASE_ACCESSIBILITY_EMAIL must be an email address" in result.stderr
    assert "not 'the web team'" in result.stderr


# --- every page's footer ------------------------------------------------------------------------------------------


def addresses(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    """Every address the site answers that takes nothing in its path (no reference, no id)."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        # The API answers in JSON, and its documentation is Swagger UI's page (a known issue in the statement).
        if "<" in route or "^" in route or "(" in route or route.startswith("api/"):
            continue
        if isinstance(pattern, URLResolver):
            yield from addresses(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield "/" + route


def footer_links(text: str) -> list[str]:
    footer = text.split('<footer class="govuk-footer">', 1)[1].split("</footer>", 1)[0]
    return re.findall(r'href="([^"]+)"', footer)


@pytest.mark.parametrize("who", ["nobody", "employer", "assessor", "inz_officer", "administrator", "individual"])
def test_every_page_links_to_the_statement_from_its_footer(world: World, who: str) -> None:
    users: dict[str, User | None] = {"nobody": None, "employer": world.employer_a, "assessor": world.assessor_nztech}
    user = users[who] if who in users else world.actor(who)
    client = Client() if user is None else signed_in(user)
    pages = 0
    for address in sorted(set(addresses(get_resolver().url_patterns))):
        response = client.get(address)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        text = response.content.decode()
        if "<html" not in text:
            continue  # a fragment of a page
        pages += 1
        assert STATEMENT in footer_links(text), f"{address} (as {who}) does not link to the statement"
    assert pages >= 15, f"only {pages} pages were found to check"
    # A page that is not there is a page too.
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and STATEMENT in footer_links(missing.content.decode())


def test_every_page_template_is_drawn_in_the_page_that_has_the_footer() -> None:
    """Every template that is a whole page extends the base page (directly or through another); the server error
    page alone stands by itself, as it must draw when nothing else can."""
    whole_pages = {path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("templates/**/*.html")
                   if "<html" in path.read_text(encoding="utf-8")}
    assert whole_pages == {"web/templates/web/base.html", "web/templates/500.html"}
    base = (TEMPLATES / "web/templates/web/base.html").read_text(encoding="utf-8")
    assert "{% url 'web:accessibility' %}\">Accessibility</a>" in base.split("<footer", 1)[1]
