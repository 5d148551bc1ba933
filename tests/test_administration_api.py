"""The administrator's console in the API: windows, staff, import runs and the activity record, for scheme
administrators only (403 for anyone else), each change with a reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from bordercase.accounts.models import AdministratorAction, User
from bordercase.cases.models import IntakeWindow, Scheme
from bordercase.cases.services.windows import scheme_intake
from bordercase.reporting.imports import import_requests
from tests.conftest import World
from tests.test_import_runs import LINES, lodged
from tests.test_reporting import _write

API = "/api/v1/administration"
ClientFor = Callable[[User], Client]
TECH = "tech-specialists-2022"


def send(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(f"{API}{path}", body or {}, content_type="application/json")


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/windows"), ("get", "/staff"), ("get", "/import-runs"), ("get", "/activity"),
    ("post", f"/schemes/{TECH}/windows/close"),
])
def test_anyone_but_an_administrator_is_refused_and_nothing_changes(
    world: World, api_client: ClientFor, method: str, path: str
) -> None:
    for who in (world.employer_a, world.assessor_nztech, world.inz_officer):
        response = send(api_client(who), method, path, {"reason": "Trying."})
        assert response.status_code == 403, (who.email, response.content)
        assert set(response.json()) == {"message", "fields"} and "administrator" in response.json()["message"]
    assert scheme_intake(Scheme.objects.get(code=TECH)).is_open and not AdministratorAction.objects.exists()


def test_an_administrator_closes_a_window_and_the_activity_says_why(world: World, api_client: ClientFor) -> None:
    client = api_client(world.administrator)
    windows = send(client, "get", "/windows").json()
    assert {w["scheme"] for w in windows} >= {TECH}
    closed = send(client, "post", f"/schemes/{TECH}/windows/close", {"reason": "Enough nominations."})
    assert closed.status_code == 200 and closed.json()["scheme"] == TECH
    assert not scheme_intake(Scheme.objects.get(code=TECH)).is_open
    [action] = send(client, "get", "/activity").json()
    assert (action["action"], action["reason"], action["actor"]) == (
        "window_close", "Enough nominations.", world.administrator.email)


@pytest.mark.parametrize(("body", "field"), [
    ({"closes_at": "2031-01-01T09:00:00", "reason": "Later."}, "closes_at"),  # no time zone
    ({"closes_at": "2031-01-01T09:00:00+13:00"}, "reason"),
    ({"closes_at": "0001-01-01T09:00:00+13:00", "reason": "Year 1."}, "closes_at"),
    ({"closes_at": "2000-01-01T09:00:00+13:00", "reason": "Earlier."}, "closes_at"),
])
def test_a_bad_extension_is_a_422_naming_the_field(
    world: World, api_client: ClientFor, body: dict[str, str], field: str
) -> None:
    window = IntakeWindow.objects.get(scheme__code=TECH)
    response = send(api_client(world.administrator), "post", f"/windows/{window.pk}/extend", body)
    assert response.status_code == 422 and field in response.json()["fields"], response.json()
    assert IntakeWindow.objects.get(pk=window.pk).closes_at == window.closes_at


def test_staff_are_invited_changed_and_deactivated(world: World, api_client: ClientFor) -> None:
    client = api_client(world.administrator)
    invited = send(client, "post", "/staff/invitations", {
        "organisation": "nztech", "email": "tama@nztech.example", "role": "assessor", "reason": "Four eyes."})
    assert invited.status_code == 201 and invited.json()["role"] == "assessor"
    wrong = send(client, "post", "/staff/invitations", {
        "organisation": "nztech", "email": "x@nztech.example", "role": "inz_officer", "reason": "No."})
    assert wrong.status_code == 422 and "role" in wrong.json()["fields"]
    unknown = send(client, "post", "/staff/invitations", {
        "organisation": "x" * 40, "email": "x@nztech.example", "role": "assessor", "reason": "No."})
    assert unknown.status_code == 422 and "organisation" in unknown.json()["fields"]
    people = {p["email"]: p for p in send(client, "get", "/staff").json()}
    priya = people[world.assessor_inz.email]
    moved = send(client, "put", f"/staff/memberships/{priya['membership_id']}/role",
                 {"role": "inz_officer", "reason": "Moved to visas."})
    assert moved.status_code == 200 and moved.json()["role"] == "inz_officer"
    gone = send(client, "post", f"/staff/{people[world.assessor_itpnz.email]['user_id']}/deactivate",
                {"reason": "Left."})
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert send(client, "post", "/staff/999999/deactivate", {"reason": "x"}).status_code == 404


def test_an_import_run_is_listed_and_undone(world: World, api_client: ClientFor, tmp_path: Path) -> None:
    run = import_requests(_write(tmp_path, "history.jsonl", LINES), by="hine").run
    client = api_client(world.administrator)
    assert [r["id"] for r in send(client, "get", "/import-runs").json()] == [run.pk]
    undone = send(client, "post", f"/import-runs/{run.pk}/undo", {"reason": "Wrong file."})
    assert undone.status_code == 200 and undone.json()["undo_reason"] == "Wrong file." and lodged() == 0
    assert send(client, "post", f"/import-runs/{run.pk}/undo", {"reason": "Again."}).status_code == 404


def test_a_window_is_added_and_moved_before_it_opens(world: World, api_client: ClientFor) -> None:
    client = api_client(world.administrator)
    added = send(client, "post", f"/schemes/{TECH}/windows", {
        "opens_at": "2030-02-18T09:00:00+13:00", "closes_at": "2030-07-31T23:59:00+12:00", "reason": "2030 intake."})
    assert added.status_code == 201
    moved = send(client, "post", f"/windows/{added.json()['id']}/change", {
        "opens_at": "2030-03-01T09:00:00+13:00", "closes_at": "2030-07-31T23:59:00+12:00", "reason": "Later."})
    assert moved.status_code == 200 and moved.json()["opens_at"] == "2030-03-01T09:00:00+13:00"
    overlapping = send(client, "post", f"/schemes/{TECH}/windows", {
        "opens_at": "2030-04-01T09:00:00+13:00", "closes_at": "2030-05-01T09:00:00+12:00", "reason": "Overlap."})
    assert overlapping.status_code == 422 and "opens_at" in overlapping.json()["fields"]
    assert send(client, "post", "/schemes/nope/windows", {
        "opens_at": "2030-04-01T09:00:00+13:00", "closes_at": "2030-05-01T09:00:00+12:00",
        "reason": "x"}).status_code == 404
