"""The administrator's pages: intake windows closed and extended after seeing what that does, each change with a
reason in the activity record; a 404 for everyone else."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bordercase.accounts.models import AdministratorAction
from bordercase.cases.models import IntakeWindow, Scheme
from bordercase.cases.services import allocation
from bordercase.cases.services.windows import scheme_intake
from bordercase.cases.windows import NZ
from bordercase.reporting.models import ImportRun
from tests.allocation_support import V1, override_parameters
from tests.conftest import World, set_places, verified_client
from tests.test_import_runs import LINES, lodged

TECH = "tech-specialists-2022"


def open_tech_window() -> IntakeWindow:
    return IntakeWindow.objects.get(scheme__code=TECH, opens_at__lte=timezone.now(), closes_at__gt=timezone.now())


def test_the_administrator_closes_a_window_after_seeing_what_closing_does(world: World) -> None:
    client = verified_client(world.administrator)
    listing = client.get("/administration/windows/").content.decode()
    assert "Intake windows" in listing and f"/administration/windows/{TECH}/close/" in listing
    page = client.get(f"/administration/windows/{TECH}/close/").content.decode()
    assert "stops lodging at once" in page and "draft" in page
    refused = client.post(f"/administration/windows/{TECH}/close/", {"reason": ""})
    assert refused.status_code == 200 and "govuk-error-summary" in refused.content.decode()
    assert scheme_intake(Scheme.objects.get(code=TECH)).is_open
    done = client.post(f"/administration/windows/{TECH}/close/", {"reason": "Enough nominations for 600 places."})
    assert done.status_code == 302 and done["Location"] == "/administration/windows/"
    assert not scheme_intake(Scheme.objects.get(code=TECH)).is_open
    activity = client.get("/administration/activity/").content.decode()
    assert "Intake closed now" in activity and "Enough nominations for 600 places." in activity
    assert world.administrator.email in activity


def test_the_administrator_extends_a_window_to_the_end_of_a_day_in_new_zealand(world: World) -> None:
    client = verified_client(world.administrator)
    window = open_tech_window()
    day = (window.closes_at.astimezone(NZ) + dt.timedelta(days=10)).date()
    bad = client.post(f"/administration/windows/{window.pk}/extend/",
                      {"closes_day": "31", "closes_month": "2", "closes_year": str(day.year), "reason": "More time."})
    assert bad.status_code == 200 and "must be a real date" in bad.content.decode()
    earlier = client.post(f"/administration/windows/{window.pk}/extend/", {
        "closes_day": "1", "closes_month": "1", "closes_year": "2000", "reason": "Earlier?"})
    assert re.search(r"give a later\s+time", earlier.content.decode())
    done = client.post(f"/administration/windows/{window.pk}/extend/", {
        "closes_day": str(day.day), "closes_month": str(day.month), "closes_year": str(day.year),
        "reason": "Employers asked for ten more days."})
    assert done.status_code == 302
    window.refresh_from_db()
    assert window.closes_at == dt.datetime.combine(day, dt.time(23, 59), tzinfo=NZ)
    assert AdministratorAction.objects.get().action == "window_extend"


def _window_post(opens: dt.datetime, closes: dt.date, reason: str = "The second intake.") -> dict[str, str]:
    return {"opens_at_day": str(opens.day), "opens_at_month": str(opens.month), "opens_at_year": str(opens.year),
            "opens_time": f"{opens:%H:%M}", "closes_at_day": str(closes.day), "closes_at_month": str(closes.month),
            "closes_at_year": str(closes.year), "reason": reason}


def test_the_administrator_adds_a_window_then_moves_it_while_it_has_not_opened(world: World) -> None:
    client = verified_client(world.administrator)
    assert f"/administration/windows/{TECH}/add/" in client.get("/administration/windows/").content.decode()
    later = open_tech_window().closes_at.astimezone(NZ) + dt.timedelta(days=30)
    opens = later.replace(hour=9, minute=30, second=0, microsecond=0)
    closes = (opens + dt.timedelta(days=20)).date()
    before = IntakeWindow.objects.count()
    unclear = client.post(f"/administration/windows/{TECH}/add/", {**_window_post(opens, closes), "opens_time": "9am"})
    assert "on the 24-hour clock, like 09:00" in unclear.content.decode()
    overlapping = client.post(f"/administration/windows/{TECH}/add/", _window_post(
        timezone.now().astimezone(NZ) + dt.timedelta(days=1), closes))
    assert overlapping.status_code == 200 and "govuk-error-summary" in overlapping.content.decode()
    assert IntakeWindow.objects.count() == before and not AdministratorAction.objects.exists()

    done = client.post(f"/administration/windows/{TECH}/add/", _window_post(opens, closes))
    assert done.status_code == 302 and done["Location"] == "/administration/windows/"
    added = IntakeWindow.objects.latest("pk")
    assert (added.opens_at, added.closes_at) == (opens, dt.datetime.combine(closes, dt.time(23, 59), tzinfo=NZ))
    listing = client.get("/administration/windows/").content.decode()
    assert f"/administration/windows/{added.pk}/change/" in listing
    assert f"/administration/windows/{open_tech_window().pk}/change/" not in listing  # open already: extend or close

    sooner = opens - dt.timedelta(days=7)
    changed = client.post(f"/administration/windows/{added.pk}/change/",
                          _window_post(sooner, closes, "Brought forward a week, as employers asked."))
    assert changed.status_code == 302
    added.refresh_from_db()
    assert added.opens_at == sooner
    assert list(AdministratorAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "window_add", "window_change"]
    past = client.post(f"/administration/windows/{added.pk}/change/", _window_post(
        timezone.now().astimezone(NZ) - dt.timedelta(days=1), closes, "Backdated?"))
    assert "The new opening is in the past" in past.content.decode()
    opened = client.post(f"/administration/windows/{open_tech_window().pk}/change/", _window_post(sooner, closes))
    assert "has opened already" in opened.content.decode()


@pytest.mark.parametrize("path", ["/administration/windows/", f"/administration/windows/{TECH}/close/",
                                  f"/administration/windows/{TECH}/add/", "/administration/activity/"])
def test_the_pages_are_not_found_for_anyone_but_an_administrator(world: World, path: str) -> None:
    for who in (world.assessor_nztech, world.inz_officer):
        assert verified_client(who).get(path).status_code == 404
    assert verified_client(world.administrator).get(path).status_code == 200


def test_a_refused_close_by_someone_else_changes_nothing(world: World) -> None:
    response = verified_client(world.assessor_nztech).post(f"/administration/windows/{TECH}/close/",
                                                           {"reason": "Not mine to close."})
    assert response.status_code == 404
    assert scheme_intake(Scheme.objects.get(code=TECH)).is_open and not AdministratorAction.objects.exists()


def test_an_open_round_shows_what_freezing_will_fix_and_where_to_close_intake(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_places(600)
    override_parameters(monkeypatch, ballot_employer_cap=3,
                        ballot_weight_by_salary_band={"answer": "annual_salary_nzd", "bands": {"0": 1, "150000": 2}})
    opened = allocation.round_open(scheme=Scheme.objects.get(code=TECH), by=world.administrator, protocol=V1)
    page = verified_client(world.administrator).get(f"/allocation-rounds/{TECH}/{opened.number}/").content.decode()
    assert "What freezing will fix" in page
    assert "600 (the scheme" in page and "<dd class=\"govuk-summary-list__value\">3</dd>" in page
    assert "from NZ$150000, 2 tickets" in page
    assert 'href="/administration/windows/"' in page  # intake is still open: the page says where to close it


def test_the_administrator_imports_a_history_is_refused_the_same_file_and_undoes_it(world: World) -> None:
    client = verified_client(world.administrator)
    content = "".join(LINES).encode()
    first = client.post("/administration/imports/", {
        "kind": "requests", "file": SimpleUploadedFile("history.jsonl", content)})
    assert first.status_code == 302 and lodged() == 2
    run = ImportRun.objects.get()
    assert run.by == world.administrator.email
    again = client.post("/administration/imports/", {
        "kind": "requests", "file": SimpleUploadedFile("history-copy.jsonl", content)})
    page = again.content.decode()
    assert again.status_code == 200 and "govuk-error-summary" in page and "imported already" in page
    assert ImportRun.objects.count() == 1 and lodged() == 2
    bad = client.post("/administration/imports/", {
        "kind": "requests", "file": SimpleUploadedFile("bad.jsonl", b'{"category": "eoi-family-2020"}\n')})
    assert "Line 1:" in bad.content.decode() and ImportRun.objects.count() == 1
    undone = client.post(f"/administration/imports/{run.pk}/undo/", {"reason": "Imported against the wrong day."})
    assert undone.status_code == 302 and lodged() == 0
    listing = client.get("/administration/imports/").content.decode()
    assert "Imported against the wrong day." in listing
    activity = client.get("/administration/activity/").content.decode()
    assert "History imported" in activity and "Import undone" in activity
    assert verified_client(world.assessor_nztech).get("/administration/imports/").status_code == 404
