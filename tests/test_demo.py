"""The demo dataset: every state of the lifecycle, valid chains, an account for every role."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from bordercase.cases import demo
from bordercase.cases.audit import audit_problems
from bordercase.cases.lifecycle import State
from bordercase.cases.models import Membership, Request


@pytest.mark.django_db
def test_the_demo_has_a_request_in_every_state_with_intact_chains() -> None:
    made = demo.demo_load()
    assert Request.objects.count() == made
    assert set(Request.objects.values_list("status", flat=True)) == {s.value for s in State}
    assert list(audit_problems()) == []


@pytest.mark.django_db
def test_the_demo_prints_working_credentials_for_every_role(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", no_serve=True)
    out = capsys.readouterr().out
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {r.value for r in Membership.Role}
    for account in demo.ACCOUNTS:
        line = next(line for line in out.splitlines() if account.email in line)
        password = line.split()[-1]
        client = Client()
        response = client.post("/sign-in/", {"username": account.email, "password": password})
        assert response.status_code == 302, f"{account.email} could not sign in with the printed password"


@pytest.mark.django_db
def test_running_the_demo_again_keeps_the_data_and_changes_the_passwords(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", no_serve=True)
    first = capsys.readouterr().out
    count = Request.objects.count()
    call_command("demo", no_serve=True)
    second = capsys.readouterr().out
    assert "already loaded" in second
    assert Request.objects.count() == count
    email = demo.ACCOUNTS[0].email
    assert next(x for x in first.splitlines() if email in x) != next(x for x in second.splitlines() if email in x)
