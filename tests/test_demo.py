"""The demo dataset: every state of the lifecycle, valid chains, an account for every role."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django_otp.oath import TOTP

from bordercase.accounts.models import Membership, User
from bordercase.cases.allocation import HOLDS_PLACE
from bordercase.cases.audit import audit_problems
from bordercase.cases.lifecycle import State
from bordercase.cases.models import AllocationRound, Reallocation, Request, Scheme
from bordercase.cases.services import allocation
from bordercase.cases.services.windows import scheme_intake
from bordercase.demo import accounts
from bordercase.demo.tech import PUBLIC_VALUE, TECH
from bordercase.demo.world import Loaded
from bordercase.immigration.models import Invitation, TravelRequest, VisaDecision
from bordercase.reporting.models import ImportRun
from tests.conftest import DemoScene


def printed(out: str, email: str) -> tuple[str, str]:
    """The password and authenticator key (or "") printed on the account's line, after its email address."""
    cells = next(line for line in out.splitlines() if email in line).split()
    after = cells[cells.index(email) + 1:]
    return after[0], after[1] if len(after) > 1 else ""


@pytest.fixture
def small_demo(demo_scene: DemoScene, db: None) -> Loaded:
    """The demo with the tech class cut to ten places, loaded once for the module; each test's changes roll back."""
    return demo_scene.loaded


def test_the_demo_walks_the_whole_journey_through_the_services_and_leaves_round_2_to_draw(small_demo: Loaded) -> None:
    loaded = small_demo
    assert Request.objects.count() == loaded.requests
    # Every state but waitlisted: round 1's waitlist was passed every place given up until it was empty.
    assert set(Request.objects.values_list("status", flat=True)) == {s.value for s in State} - {State.WAITLISTED}
    assert list(audit_problems()) == []
    invited = Request.objects.filter(events__transition="invite").distinct()
    assert invited.count() == 6  # five tech nominations (one lapsed since) and an essential worker
    assert all(Invitation.objects.filter(request=r).exists() for r in invited)
    assert set(VisaDecision.objects.values_list("outcome", flat=True)) == {"granted", "declined"}
    assert TravelRequest.objects.filter(lodged_at__isnull=False).count() == 3
    # The link printed for someone to walk the request to travel opens for them.
    assert Client().get(f"/invitation-to-apply/{loaded.travel_link_token}/").status_code == 200

    tech = Scheme.objects.get(code=TECH)
    first, second = AllocationRound.objects.filter(scheme=tech).order_by("number")
    assert first.status == AllocationRound.Status.DRAWN and first.entries.count() == tech.places + 3
    # Three given up while the waitlist lasted went to it; two more came back to the scheme for round 2.
    promoted = Reallocation.objects.filter(round=first)
    assert promoted.filter(promoted__isnull=False).count() == 3 and promoted.filter(promoted__isnull=True).count() == 2
    assert holding(tech) == tech.places - 2 == published_places_held()
    assert not scheme_intake(tech).is_open and scheme_intake(tech).takes_drafts  # closed; the next one is announced
    assert second.status == AllocationRound.Status.OPEN

    # Round 2 is ready: the administrator can freeze, publish and draw it, and 3 entries share 2 places.
    admin = User.objects.get(email=accounts.ADMINISTRATOR)
    frozen = allocation.round_freeze(round_=second, by=admin)
    published = allocation.round_publish(round_=frozen, by=admin, declaration="drand quicknet round 1000")
    allocation.round_draw(round_=published.round, by=admin, secret=published.secret, public_value=PUBLIC_VALUE)
    assert Request.objects.filter(scheme=tech, status=State.WAITLISTED).count() == 1
    assert holding(tech) == tech.places == published_places_held()


def holding(scheme: Scheme) -> int:
    return Request.objects.filter(scheme=scheme, status__in=HOLDS_PLACE).count()


def published_places_held() -> int:
    places = Client().get("/api/v1/stats/summary").json()["places"]
    return next(p["allocated"] for p in places if p["scheme"] == TECH)


@pytest.fixture(scope="module")
def module_demo_run(demo_scene: DemoScene, django_db_blocker: Any) -> Iterator[str]:
    """What `bordercase demo --no-serve` printed, run once for the module on the loaded demo (importing the 2020
    history, about 26,000 records, and giving the accounts passwords); undone at the module's end."""
    out = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", no_serve=True, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def first_run(module_demo_run: str, small_demo: Loaded) -> str:
    return module_demo_run


def test_the_demo_prints_working_credentials_for_every_role(first_run: str) -> None:
    out = first_run
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {r.value for r in Membership.Role}
    for account in accounts.ACCOUNTS:
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


def test_the_demo_s_statistics_show_the_figures_published_in_june_2020(first_run: str) -> None:
    assert "/statistics/?as_at=2020-06-10" in first_run
    total = Client().get("/api/v1/stats/summary", {"as_at": "2020-06-10"}).json()["total"]
    assert (total["lodged"], total["invited"], total["visas_granted"]) == (15331, 2914, 2456)
    home = Client().get("/").content.decode()
    assert 'href="/statistics/"' in home


def test_running_the_demo_again_keeps_the_data_and_changes_the_passwords(first_run: str,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    first = first_run
    count = Request.objects.count()
    call_command("demo", no_serve=True)
    second = capsys.readouterr().out
    assert "already loaded" in second
    assert Request.objects.count() == count
    assert ImportRun.objects.count() == 2  # the history is imported once, however often the demo runs
    email = accounts.ACCOUNTS[0].email
    assert next(x for x in first.splitlines() if email in x) != next(x for x in second.splitlines() if email in x)
    # A key already added to someone's authenticator app keeps working.
    assessor = next(a.email for a in accounts.ACCOUNTS if a.membership_role == "assessor")
    assert printed(first, assessor)[1] == printed(second, assessor)[1] != ""
