"""Official statistics in the service: the seed's figures after importing a dataset shaped like it, imports that
refuse bad files whole, live milestones, the public page, downloads, charts and API, and small counts."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from bordercase.cases.models import Request
from bordercase.reporting import seed_history
from bordercase.reporting.models import ImportRun, Milestones, OffshoreVisaHolder
from tests.conftest import World
from tests.walking import walk


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _summary(as_at: str, *extra: str) -> dict[str, Any]:
    out = StringIO()
    call_command("stats", "summary", "--as-at", as_at, "--format", "json", *extra, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def seed_imported(world: World, tmp_path: Path) -> None:
    call_command("import", "requests", str(_write(tmp_path, "requests.jsonl", seed_history.requests_jsonl())),
                 stdout=StringIO(), stderr=StringIO())
    call_command("import", "offshore-visa-holders", str(_write(tmp_path, "offshore.csv", seed_history.offshore_csv())),
                 stdout=StringIO(), stderr=StringIO())


def test_the_imported_seed_dataset_reports_exactly_the_seeds_figures(seed_imported: None) -> None:
    june_10 = _summary("2020-06-10")["total"]
    assert (june_10["lodged"], june_10["invited"], june_10["visas_granted"]) == (15331, 2914, 2456)
    may_28 = _summary("2020-05-28")["by_category"]
    eoi = {code: figures for code, figures in may_28.items() if code.startswith("eoi-")}
    assert {code: f["declined"] for code, f in eoi.items()} == seed_history.DECLINED_BY_28_MAY
    assert {code: f["invited"] for code, f in eoi.items()} == seed_history.INVITED_BY_28_MAY
    offshore = _summary("2020-05-27")["offshore_visa_holders"]
    assert offshore == seed_history.OFFSHORE_27_MAY and sum(offshore.values()) == 10062
    runs = ImportRun.objects.order_by("pk")
    assert [(r.kind, r.imported, r.rejected) for r in runs] == [
        ("requests", len(seed_history.requests_jsonl()), 0),
        ("offshore_visa_holders", OffshoreVisaHolder.objects.count(), 0)]
    assert not Milestones.objects.filter(import_run__isnull=True).exists()  # every imported record says so


def test_a_file_with_a_bad_line_is_refused_whole_and_skip_bad_imports_the_rest(world: World, tmp_path: Path) -> None:
    good = '{"category": "eoi-family-2020", "lodged_at": "2020-05-01T10:00:00+12:00"}\n'
    bad = '{"category": "eoi-family-2020", "lodged_at": "2020-05-01"}\n'
    path = _write(tmp_path, "mixed.jsonl", [good, bad, good, "{oops\n"])
    errors = StringIO()
    with pytest.raises(CommandError, match="2 bad lines: nothing was imported"):
        call_command("import", "requests", str(path), stdout=StringIO(), stderr=errors)
    assert "line 2: lodged_at '2020-05-01' has no time zone" in errors.getvalue()
    assert "line 4: not JSON" in errors.getvalue()
    assert Milestones.objects.count() == 0 and ImportRun.objects.count() == 0
    rejects = tmp_path / "rejects.tsv"
    out = StringIO()
    call_command("import", "requests", str(path), "--skip-bad", str(rejects), stdout=out, stderr=StringIO())
    assert "Imported 2 requests" in out.getvalue() and "2 bad lines skipped" in out.getvalue()
    assert Milestones.objects.count() == 2
    assert [line.split("\t")[0] for line in rejects.read_text().splitlines()] == ["2", "4"]
    assert ImportRun.objects.get().rejected == 2


def test_an_import_of_an_unknown_category_names_the_categories_it_knows(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path, "x.jsonl", ['{"category": "eoi-pets-2020", "lodged_at": "2020-05-01T10:00:00Z"}\n'])
    errors = StringIO()
    with pytest.raises(CommandError):
        call_command("import", "requests", str(path), stdout=StringIO(), stderr=errors)
    assert "category 'eoi-pets-2020' is not a scheme" in errors.getvalue() and "eoi-family-2020" in errors.getvalue()


def test_live_requests_are_counted_as_their_lifecycle_moves(
    world: World, make_request: Callable[..., Request]
) -> None:
    declined = walk(make_request(scheme="eoi-family-2020", by=world.individual, body="inz"),
                    [("lodge", world.individual), ("start_assessment", world.assessor_inz),
                     ("decline", world.assessor_inz)])
    invited = walk(make_request(scheme="other-essential-worker-2020", body="inz"),
                   [("lodge", world.employer_a), ("start_assessment", world.assessor_inz),
                    ("find_eligible", world.assessor_inz), ("invite", world.inz_officer)])
    walk(make_request(), [("lodge", world.employer_a)])
    today = dt.date.today().isoformat()
    figures = _summary(today)
    assert figures["total"]["lodged"] == 3 and figures["total"]["declined"] == 1
    assert figures["total"]["invited"] == 1
    assert figures["by_category"]["eoi-family-2020"]["declined"] == 1
    assert figures["processing_times"]["decided"] == 2 and figures["processing_times"]["median_working_days"] == 0
    assert Milestones.objects.get(request=declined).decision == "declined"
    assert Milestones.objects.get(request=invited).invited_at is not None
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert _summary(yesterday)["total"]["lodged"] == 0


def test_the_command_refuses_a_bad_date_saying_how_to_write_it(world: World) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("stats", "summary", "--as-at", "10 June", stdout=StringIO())
    with pytest.raises(CommandError, match="--since is after --as-at"):
        call_command("stats", "summary", "--as-at", "2020-06-01", "--since", "2020-06-10", stdout=StringIO())


def test_the_public_page_downloads_charts_and_api_show_the_same_figures(seed_imported: None) -> None:
    client = Client()  # nobody signed in
    page = client.get("/statistics/?as_at=2020-06-10")
    text = page.content.decode()
    assert page.status_code == 200 and "Border exception statistics as at 10 June 2020" in text
    assert "15,331" in text and "2,914" in text and "2,456" in text
    api = client.get("/api/v1/stats/summary?as_at=2020-06-10").json()
    assert api["total"]["lodged"] == 15331 and api["as_at"] == "2020-06-10"
    download = client.get("/statistics/download.json?as_at=2020-06-10")
    assert json.loads(download.content) == api
    assert "as-at-2020-06-10.json" in download["Content-Disposition"]
    csv_text = client.get("/statistics/download.csv?as_at=2020-05-28").content.decode()
    assert "By scheme and EOI category,Family,Declined,4918" in csv_text
    chart = client.get("/statistics/charts/eoi-categories.svg?as_at=2020-05-28")
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    assert b"<svg" in chart.content and b"4,918" in chart.content and b"28 May 2020" in chart.content
    assert client.get("/statistics/charts/pie.svg").status_code == 404
    assert client.get("/statistics/download.xlsx").status_code == 404


def test_a_bad_or_future_date_is_named_on_the_page_and_in_the_api(world: World) -> None:
    client = Client()
    text = client.get("/statistics/?as_at=10-06-2020").content.decode()
    assert "There is a problem" in text and "YYYY-MM-DD" in text and 'href="#as_at"' in text
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = client.get(f"/api/v1/stats/summary?as_at={future}")
    assert response.status_code == 422 and "in the future" in response.json()["fields"]["as_at"]


def test_small_counts_are_protected_in_public_outputs_only(
    world: World, make_request: Callable[..., Request], settings: Any
) -> None:
    walk(make_request(scheme="eoi-family-2020", by=world.individual, body="inz"), [("lodge", world.individual)])
    settings.STATS_DISCLOSURE, settings.STATS_SUPPRESS_BELOW = "suppress", 6
    today = dt.date.today().isoformat()
    public = Client().get(f"/api/v1/stats/summary?as_at={today}").json()
    assert public["disclosure"] == "suppress" and public["total"]["lodged"] is None
    assert "<dd class=\"govuk-summary-list__value\">c</dd>" in Client().get("/statistics/").content.decode()
    assert _summary(today)["total"]["lodged"] == 1  # the operator's command sees the real count
    settings.STATS_DISCLOSURE = "round3"
    rounded = Client().get(f"/api/v1/stats/summary?as_at={today}").json()["total"]["lodged"]
    assert rounded in (0, 3)
    assert Client().get(f"/api/v1/stats/summary?as_at={today}").json()["total"]["lodged"] == rounded


@given(st.lists(st.integers(0, 40), min_size=1, max_size=200))
def test_processing_times_from_a_histogram_are_those_of_the_whole_list(days: list[int]) -> None:
    from bordercase.reporting.figures import processing_from_histogram

    times = processing_from_histogram(Counter(days))
    assert times.decided == len(days)
    assert times.median_working_days == pytest.approx(statistics.median(days))
    expected_p90 = statistics.quantiles(days, n=10, method="inclusive")[-1] if len(days) > 1 else days[0]
    assert times.p90_working_days == pytest.approx(expected_p90)


def test_a_day_that_has_ended_is_counted_into_the_cache_once(
    world: World, make_request: Callable[..., Request]
) -> None:
    import time_machine

    from bordercase.reporting.models import DailyCount, DailyCountsBuilt

    monday = dt.datetime(2026, 3, 2, 10, tzinfo=seed_history.NZ)
    with time_machine.travel(monday, tick=False) as traveller:
        from tests.conftest import window_around

        window_around("eoi-family-2020", monday)
        walk(make_request(scheme="eoi-family-2020", by=world.individual, body="inz"), [("lodge", world.individual)])
        assert _summary("2026-03-02")["total"]["lodged"] == 1  # today: counted live
        assert not DailyCount.objects.filter(day=dt.date(2026, 3, 2)).exists()
        traveller.move_to(monday + dt.timedelta(days=1))
        assert _summary("2026-03-03")["total"]["lodged"] == 1  # yesterday: now from the cache
        assert DailyCount.objects.get(day=dt.date(2026, 3, 2), measure="lodged").count == 1
        assert DailyCountsBuilt.objects.get().through == dt.date(2026, 3, 2)
