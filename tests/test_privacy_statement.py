"""The privacy statement (IPP 3) at /privacy/: its periods are the retention schedule's (change the schedule, the
page changes), it says who sees what and how to ask for access, correction or complain, and it is linked from every
page's footer and from where personal details are first asked for."""

from __future__ import annotations

import html as markup
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from bordercase.retention.schedule import PACKAGED, Kind, schedule_load
from tests.conftest import World, draft_made, signed_in
from tests.travel_support import invited, worker_of

STATEMENT = "/privacy/"


def periods(html: str) -> dict[str, str]:
    """Each kind's 'Kept for' as the page shows it."""
    found = re.findall(r'data-retention-period="([a-z_]+)">([^<]*)<', html)
    return {kind: " ".join(markup.unescape(text).split()) for kind, text in found}


def test_the_statement_is_public_and_at_its_address(db: None) -> None:
    assert reverse("web:privacy-statement") == STATEMENT
    response = Client().get(STATEMENT)
    assert response.status_code == 200
    html = response.content.decode()
    for words in ("What we collect and why", "Who sees it", "The assessing body", "Immigration New Zealand",
                  "Scheme administrators", 'href="/account/my-data/"', "Privacy Commissioner",
                  "https://www.privacy.org.nz/your-rights/how-to-complain/", "corrected"):
        assert words in html, words


def test_every_period_on_the_page_is_the_schedules(db: None) -> None:
    schedule = schedule_load()
    shown = periods(Client().get(STATEMENT).content.decode())
    assert set(shown) == {k.value for k in Kind}
    for rule in schedule.rules:
        expected = f"{rule.kept_for} {rule.counted_from_text}" if rule.kept_for.amount else "Until it expires"
        assert shown[rule.kind.value] == expected, rule.kind
    assert shown["declined"] == "2 years after the request's final decision"


def test_a_changed_schedule_changes_the_page(db: None, settings: Any, tmp_path: Path) -> None:
    own = tmp_path / "schedule.yaml"
    own.write_text(PACKAGED.read_text(encoding="utf-8")
                   .replace('kept_for: "2 years"', 'kept_for: "7 years"', 1)
                   .replace('kept_for: "30 days"', 'kept_for: "45 days"', 1), encoding="utf-8")
    settings.RETENTION_FILE = str(own)
    shown = periods(Client().get(STATEMENT).content.decode())
    assert shown["declined"] == "7 years after the request's final decision"
    assert shown["unconfirmed_account"] == "45 days after sign-up"
    assert shown["visa_granted"] == "2 years after the request's final decision"  # only the first was changed


def test_each_period_cites_its_sources(db: None) -> None:
    html = Client().get(STATEMENT).content.decode()
    for source in schedule_load().sources:
        assert f'id="source-{source.key}"' in html and source.url in html


def test_the_statement_refuses_other_methods(db: None) -> None:
    assert Client().post(STATEMENT).status_code == 405


@pytest.mark.parametrize("path", ["/", "/sign-in/", "/statistics/"])
def test_every_page_links_the_statement_from_its_footer(db: None, path: str) -> None:
    html = Client().get(path).content.decode()
    footer = html[html.index('<footer'):]
    assert f'href="{STATEMENT}"' in footer


def test_sign_up_shows_the_notice(db: None) -> None:
    html = Client().get(reverse("web:sign-up")).content.decode()
    assert 'id="privacy-notice"' in html and f'href="{STATEMENT}"' in html.split('id="privacy-notice"')[1]


def test_the_workers_details_page_shows_the_notice(world: World) -> None:
    draft = draft_made(world, with_nominee=False)
    html = signed_in(world.employer_a).get(reverse("web:apply-person", args=[draft.reference])).content.decode()
    assert 'id="privacy-notice"' in html and "Immigration New Zealand uses them" in html


def test_the_travel_personal_details_page_shows_the_notice(world: World, make_request: Any) -> None:
    request = invited(world, make_request)
    worker = worker_of(world, request)
    response = signed_in(worker).get(reverse("web:travel-personal", args=[request.reference]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="privacy-notice"' in html and "your employer does not see them" in html
