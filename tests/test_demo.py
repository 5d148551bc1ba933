"""The demo dataset: every state of the lifecycle, valid chains, an account for every role."""

from __future__ import annotations

import base64

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP

from bordercase.cases import demo
from bordercase.cases.audit import audit_problems
from bordercase.cases.lifecycle import State
from bordercase.cases.models import Membership, Request
from bordercase.immigration.models import Invitation
from bordercase.reporting.models import ImportRun


def printed(out: str, email: str) -> tuple[str, str]:
    """The password and authenticator key (or "") printed on the account's line, after its email address."""
    cells = next(line for line in out.splitlines() if email in line).split()
    after = cells[cells.index(email) + 1:]
    return after[0], after[1] if len(after) > 1 else ""


@pytest.mark.django_db
def test_the_demo_has_a_request_in_every_state_with_intact_chains() -> None:
    made = demo.demo_load()
    assert Request.objects.count() == made
    assert set(Request.objects.values_list("status", flat=True)) == {s.value for s in State}
    assert list(audit_problems()) == []
    # Invited through Immigration NZ's service, so each has its invitation (link and letter), as Immigration NZ's
    # lists and the worker's pages need.
    invited = Request.objects.filter(events__transition="invite").distinct()
    assert invited.exists()
    assert all(Invitation.objects.filter(request=r).exists() for r in invited)


@pytest.mark.django_db
def test_the_demo_prints_working_credentials_for_every_role(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", no_serve=True)
    out = capsys.readouterr().out
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {r.value for r in Membership.Role}
    for account in demo.ACCOUNTS:
        password, key = printed(out, account.email)
        client = Client()
        response = client.post("/sign-in/", {"username": account.email, "password": password})
        assert response.status_code == 302, f"{account.email} could not sign in with the printed password"
        staff = account.membership_role in {"assessor", "inz_officer", "administrator"}
        assert bool(key) == staff, f"{account.email}: an authenticator key is printed for staff only"
        asked = client.get("/requests/")
        if not staff:
            assert asked.status_code == 200
            continue
        assert asked.status_code == 302 and asked["Location"] == "/sign-in/code/?next=%2Frequests%2F"
        code = f"{TOTP(base64.b32decode(key)).token():06d}"  # what an app given the printed key shows
        assert client.post(asked["Location"], {"code": code}).status_code == 302
        assert client.get("/requests/").status_code == 200, f"{account.email}: the printed key gave no working code"


@pytest.mark.django_db
def test_the_demo_s_statistics_show_the_figures_published_in_june_2020(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", no_serve=True)
    assert "/statistics/?as_at=2020-06-10" in capsys.readouterr().out
    total = Client().get("/api/v1/stats/summary", {"as_at": "2020-06-10"}).json()["total"]
    assert (total["lodged"], total["invited"], total["visas_granted"]) == (15331, 2914, 2456)
    home = Client().get("/").content.decode()
    assert 'href="/statistics/"' in home


@pytest.mark.django_db
def test_running_the_demo_again_keeps_the_data_and_changes_the_passwords(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", no_serve=True)
    first = capsys.readouterr().out
    count = Request.objects.count()
    call_command("demo", no_serve=True)
    second = capsys.readouterr().out
    assert "already loaded" in second
    assert Request.objects.count() == count
    assert ImportRun.objects.count() == 2  # the history is imported once, however often the demo runs
    email = demo.ACCOUNTS[0].email
    assert next(x for x in first.splitlines() if email in x) != next(x for x in second.splitlines() if email in x)
    # A key already added to someone's authenticator app keeps working.
    assessor = next(a.email for a in demo.ACCOUNTS if a.membership_role == "assessor")
    assert printed(first, assessor)[1] == printed(second, assessor)[1] != ""
