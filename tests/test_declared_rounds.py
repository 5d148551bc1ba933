"""A v2 round through the services: holders commit, the declaration is published naming a drand quicknet round, the
holders reveal, the draw checks the beacon, and a round can be cancelled in public with the next declaring later."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from bordercase.accounts.tokens import token_create
from bordercase.ballot.declaration import Declaration
from bordercase.ballot.manifest_v2 import ManifestV2, verify_v2
from bordercase.cases.lifecycle import State
from bordercase.cases.models import AllocationRound, Request, Scheme
from bordercase.cases.services import allocation
from bordercase.cases.services.declared_rounds import (
    beacon_round_suggested,
    commitment_enter,
    declaration_of,
    declaration_publish,
    observer_add,
    round_cancel,
    round_draw_v2,
    secret_reveal,
)
from bordercase.lib.errors import ConcurrentChange, InvalidInput, NotFound, Refused
from tests.allocation_support import TECH, eligible
from tests.conftest import World, set_places, signed_in, window_around
from tests.walking import close_intake

DRAND = json.loads((Path(__file__).parent / "data" / "drand" / "quicknet.json").read_text())
EARLY, LATER = DRAND["rounds"][0], DRAND["rounds"][1]  # quicknet rounds 1000 and 657413 (due 2023-09-15 11:00:03Z)
PUBLISHING = dt.datetime(2023, 9, 15, 10, 0, tzinfo=dt.UTC)
AFTER_THE_BEACON = dt.datetime(2023, 9, 15, 11, 0, 10, tzinfo=dt.UTC)
OBSERVER_SECRET = bytes(range(32))

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock() -> Iterator[Any]:
    # The real quicknet round 657413 is only usable by a round published before it was due, in September 2023.
    with time_machine.travel(PUBLISHING - dt.timedelta(hours=1), tick=False) as travelling:
        yield travelling


@pytest.fixture
def frozen(world: World, clock: Any) -> AllocationRound:
    window_around(TECH, PUBLISHING - dt.timedelta(hours=1))
    set_places(2)
    for employer in "aabab":
        eligible(world, employer=employer)
    close_intake()
    opened = allocation.round_open(scheme=Scheme.objects.get(code=TECH), by=world.administrator,
                                   protocol=AllocationRound.Protocol.V2)
    return allocation.round_freeze(round_=opened, by=world.administrator)


def committed(world: World, round_: AllocationRound) -> str:
    """The administrator's secret (made by bordercase) and the NZTech observer's (their own), both committed."""
    observer_add(round_=round_, observer=world.assessor_nztech, by=world.administrator)
    made = commitment_enter(round_=round_, by=world.administrator)
    commitment_enter(round_=round_, by=world.assessor_nztech, commitment=hashlib.sha256(OBSERVER_SECRET).hexdigest())
    return made.secret


def test_a_round_committed_published_revealed_and_drawn_verifies_from_its_files(
    world: World, frozen: AllocationRound, clock: Any
) -> None:
    secret = committed(world, frozen)
    clock.move_to(PUBLISHING)
    published = declaration_publish(round_=frozen, by=world.administrator, beacon_round=LATER["round"])
    declaration = declaration_of(published)
    assert declaration.published_at == "2023-09-15T10:00:00Z" and declaration.places == 2
    assert declaration.commitments == (hashlib.sha256(bytes.fromhex(secret)).hexdigest(),
                                       hashlib.sha256(OBSERVER_SECRET).hexdigest())
    assert bytes(published.declaration_json) == declaration.canonical()
    clock.move_to(AFTER_THE_BEACON)
    secret_reveal(round_=published, by=world.administrator, secret=secret.upper())  # as copied, in capitals
    secret_reveal(round_=published, by=world.assessor_nztech, secret=OBSERVER_SECRET.hex())
    drawn = round_draw_v2(round_=published, by=world.administrator, signature=LATER["signature"])
    assert drawn.status == AllocationRound.Status.DRAWN
    manifest = ManifestV2.from_json(bytes(drawn.manifest_json))
    assert manifest.beacon.randomness == LATER["randomness"]
    assert verify_v2(manifest, bytes(drawn.entries_csv), bytes(drawn.results_csv)) == []
    assert Request.objects.filter(status=State.ALLOCATED).count() == 2
    assert Request.objects.filter(status=State.WAITLISTED).count() == 3


def test_publishing_waits_for_every_commitment_and_a_beacon_round_still_to_come(
    world: World, frozen: AllocationRound, clock: Any
) -> None:
    observer_add(round_=frozen, observer=world.assessor_nztech, by=world.administrator)
    commitment_enter(round_=frozen, by=world.administrator)
    clock.move_to(PUBLISHING)
    with pytest.raises(InvalidInput, match=r"Waiting for the commitment of mere@nztech\.example"):
        declaration_publish(round_=frozen, by=world.administrator, beacon_round=LATER["round"])
    commitment_enter(round_=frozen, by=world.assessor_nztech, commitment=hashlib.sha256(OBSERVER_SECRET).hexdigest())
    for too_soon in (EARLY["round"], beacon_round_suggested(PUBLISHING) - 300, 0):
        with pytest.raises(InvalidInput) as refused:
            declaration_publish(round_=frozen, by=world.administrator, beacon_round=too_soon)
        assert "name a quicknet round due at least 2 minutes from now" in refused.value.errors["beacon_round"]
    for too_late in (LATER["round"] + 10**6, 2**62):
        with pytest.raises(InvalidInput) as refused:
            declaration_publish(round_=frozen, by=world.administrator, beacon_round=too_late)
        assert "is due more than 30 days from now" in refused.value.errors["beacon_round"]
    assert AllocationRound.objects.get(pk=frozen.pk).status == AllocationRound.Status.FROZEN


def test_a_commitment_or_a_secret_that_is_not_one_is_refused_and_changes_nothing(
    world: World, frozen: AllocationRound, clock: Any
) -> None:
    secret = committed(world, frozen)
    with pytest.raises(InvalidInput, match="64 characters, 0 to 9 and a to f"):
        commitment_enter(round_=frozen, by=world.assessor_nztech, commitment="not a digest")
    with pytest.raises(NotFound):  # someone who holds no secret here
        commitment_enter(round_=frozen, by=world.assessor_itpnz, commitment="ab" * 32)
    clock.move_to(PUBLISHING)
    published = declaration_publish(round_=frozen, by=world.administrator, beacon_round=LATER["round"])
    with pytest.raises(ConcurrentChange):  # the declaration fixed the commitments
        commitment_enter(round_=published, by=world.assessor_nztech, commitment="ab" * 32)
    with pytest.raises(InvalidInput, match="does not match your commitment"):
        secret_reveal(round_=published, by=world.assessor_nztech, secret=secret)  # the administrator's, not theirs
    with pytest.raises(InvalidInput, match="64 characters"):
        secret_reveal(round_=published, by=world.assessor_nztech, secret="12")
    assert not published.holders.exclude(secret="").exists()


def test_the_draw_needs_every_secret_the_beacon_due_and_the_declared_rounds_signature(
    world: World, frozen: AllocationRound, clock: Any
) -> None:
    secret = committed(world, frozen)
    clock.move_to(PUBLISHING)
    published = declaration_publish(round_=frozen, by=world.administrator, beacon_round=LATER["round"])
    secret_reveal(round_=published, by=world.administrator, secret=secret)
    with pytest.raises(InvalidInput, match=r"Waiting for the secret of mere@nztech\.example"):
        round_draw_v2(round_=published, by=world.administrator, signature=LATER["signature"])
    secret_reveal(round_=published, by=world.assessor_nztech, secret=OBSERVER_SECRET.hex())
    with pytest.raises(InvalidInput, match="is due at 2023-09-15T11:00:03Z: draw after then"):
        round_draw_v2(round_=published, by=world.administrator, signature=LATER["signature"])
    clock.move_to(AFTER_THE_BEACON)
    for wrong in (EARLY["signature"], "zz", ""):
        with pytest.raises(InvalidInput) as refused:
            round_draw_v2(round_=published, by=world.administrator, signature=wrong)
        assert "Copy the signature of round 657413 from https://api.drand.sh/" in refused.value.errors["signature"]
    with pytest.raises(Refused):
        round_draw_v2(round_=published, by=world.assessor_nztech, signature=LATER["signature"])
    assert AllocationRound.objects.get(pk=published.pk).status == AllocationRound.Status.PUBLISHED
    assert not Request.objects.filter(status__in=[State.ALLOCATED, State.WAITLISTED]).exists()


def test_only_staff_observe_and_only_once(world: World, frozen: AllocationRound) -> None:
    with pytest.raises(InvalidInput, match="is not staff of an assessing body"):
        observer_add(round_=frozen, observer=world.employer_a, by=world.administrator)
    observer_add(round_=frozen, observer=world.assessor_itpnz, by=world.administrator)
    with pytest.raises(InvalidInput, match="already holds a secret"):
        observer_add(round_=frozen, observer=world.assessor_itpnz, by=world.administrator)
    with pytest.raises(Refused):
        observer_add(round_=frozen, observer=world.assessor_nztech, by=world.assessor_itpnz)
    assert [h.user for h in frozen.holders.order_by("position")] == [world.administrator, world.assessor_itpnz]


def test_a_cancelled_round_says_why_frees_its_requests_and_the_next_declares_a_later_beacon(
    world: World, frozen: AllocationRound, clock: Any
) -> None:
    committed(world, frozen)
    clock.move_to(PUBLISHING)
    published = declaration_publish(round_=frozen, by=world.administrator, beacon_round=LATER["round"])
    with pytest.raises(InvalidInput, match="Say why the round is cancelled"):
        round_cancel(round_=published, by=world.administrator, reason="  ")
    cancelled = round_cancel(round_=published, by=world.administrator, reason="The observer's secret was lost.")
    assert cancelled.status == AllocationRound.Status.CANCELLED and cancelled.is_finished
    assert Declaration.from_json(json.loads(bytes(cancelled.declaration_json))) == declaration_of(published)
    assert Request.objects.filter(status=State.ELIGIBLE).count() == 5
    with pytest.raises(ConcurrentChange):
        round_draw_v2(round_=cancelled, by=world.administrator, signature=LATER["signature"])
    again = allocation.round_freeze(round_=allocation.round_open(
        scheme=Scheme.objects.get(code=TECH), by=world.administrator, protocol=AllocationRound.Protocol.V2),
        by=world.administrator)
    commitment_enter(round_=again, by=world.administrator)
    with pytest.raises(InvalidInput) as refused:
        declaration_publish(round_=again, by=world.administrator, beacon_round=LATER["round"])
    assert "A cancelled round of this scheme declared beacon round 657413" in refused.value.errors["beacon_round"]
    declaration_publish(round_=again, by=world.administrator, beacon_round=LATER["round"] + 1)


# --- the pages and the API: who reaches what, and whatever is sent -------------------------------------------------


def test_only_holders_reach_a_rounds_holder_page_and_only_administrators_its_steps(
    world: World, frozen: AllocationRound
) -> None:
    observer_add(round_=frozen, observer=world.assessor_nztech, by=world.administrator)
    base = f"/allocation-rounds/{TECH}/{frozen.number}"
    assert signed_in(world.assessor_nztech).get(f"{base}/holder/").status_code == 200
    for outsider in (world.assessor_itpnz, world.employer_a, world.inz_officer):
        client = signed_in(outsider)
        assert client.get(f"{base}/holder/").status_code == 404
        assert client.post(f"{base}/secret/", {"secret": "ab" * 32}).status_code == 404
        assert client.post(f"{base}/commitment/", {"commitment": ""}).status_code == 404
        assert client.post(f"{base}/cancel/", {"reason": "Because."}).status_code == 404
        assert client.post(f"{base}/observers/", {"email": outsider.email}).status_code == 404
    observer = signed_in(world.assessor_nztech)
    assert observer.post(f"{base}/cancel/", {"reason": "Because."}).status_code == 404
    assert AllocationRound.objects.get(pk=frozen.pk).status == AllocationRound.Status.FROZEN
    api = Client(headers={"Authorization": f"Bearer {token_create(user=world.assessor_itpnz, name='t')[1]}"})
    assert api.post(f"/api/v1/allocation/{TECH}/rounds/{frozen.number}/commitment", {},
                    content_type="application/json").status_code == 404


@pytest.mark.parametrize(("path", "data", "words"), [
    ("publish/", {"beacon_round": "abc"}, "Enter the round as a whole number"),
    ("publish/", {"beacon_round": "-5"}, "Enter a round number of 1 or more"),
    ("publish/", {"beacon_round": "9" * 40}, "is due more than 30 days from now"),
    ("publish/", {"beacon_round": "١٢٣"}, "is due before now or too soon"),
    ("commitment/", {"commitment": "\uff21\uff22" * 32}, "64 characters, 0 to 9 and a to f"),
    ("observers/", {"email": "nobody@nowhere.example"}, "No account has the address nobody@nowhere.example"),
    ("observers/", {"email": "not an email"}, "Enter an email address like"),
    ("cancel/", {"reason": ""}, "Say why the round is cancelled"),
    ("cancel/", {"reason": "x" * 1001}, "Keep the reason to 1,000 characters or fewer"),
])
def test_bad_input_to_a_rounds_steps_is_refused_naming_the_field(
    world: World, frozen: AllocationRound, path: str, data: dict[str, str], words: str
) -> None:
    commitment_enter(round_=frozen, by=world.administrator)
    page = signed_in(world.administrator).post(f"/allocation-rounds/{TECH}/{frozen.number}/{path}", data)
    assert page.status_code == 200
    content = page.content.decode()
    assert "govuk-error-summary" in content and html.escape(words, quote=True) in content, content[:3000]
    assert AllocationRound.objects.get(pk=frozen.pk).status == AllocationRound.Status.FROZEN


def test_the_api_runs_a_v2_round_with_an_observer(world: World, frozen: AllocationRound, clock: Any) -> None:
    def api(user: Any) -> Client:
        return Client(headers={"Authorization": f"Bearer {token_create(user=user, name='t')[1]}"})

    administrator, observer = api(world.administrator), api(world.assessor_nztech)
    base = f"/api/v1/allocation/{TECH}/rounds/{frozen.number}"
    named = administrator.post(f"{base}/observers", {"email": world.assessor_nztech.email},
                               content_type="application/json")
    assert named.status_code == 200 and [h["role"] for h in named.json()["holders"]] == ["administrator", "observer"]
    made = administrator.post(f"{base}/commitment", {}, content_type="application/json")
    assert made.status_code == 200 and made["Cache-Control"] == "no-store" and len(made.json()["secret"]) == 64
    theirs = observer.post(f"{base}/commitment", {"commitment": hashlib.sha256(OBSERVER_SECRET).hexdigest()},
                           content_type="application/json")
    assert theirs.status_code == 200 and theirs.json()["secret"] == ""
    clock.move_to(PUBLISHING)
    missing = administrator.post(f"{base}/publish", {}, content_type="application/json")
    assert missing.status_code == 422 and "beacon_round" in missing.json()["fields"]
    published = administrator.post(f"{base}/publish", {"beacon_round": LATER["round"]},
                                   content_type="application/json")
    assert published.status_code == 200 and published.json()["round"]["beacon_round"] == LATER["round"]
    clock.move_to(AFTER_THE_BEACON)
    for client, secret in ((administrator, made.json()["secret"]), (observer, OBSERVER_SECRET.hex())):
        assert client.post(f"{base}/secret", {"secret": secret}, content_type="application/json").status_code == 200
    drawn = administrator.post(f"{base}/draw", {"signature": LATER["signature"]}, content_type="application/json")
    assert drawn.status_code == 200, drawn.content
    body = drawn.json()
    assert body["status"] == "drawn" and body["protocol"] == "bordercase-ballot-v2"
    assert [h["secret"] for h in body["holders"]] == [made.json()["secret"], OBSERVER_SECRET.hex()]
    assert {f["name"] for f in body["files"]} >= {"declaration.json", "manifest.json", "chances.csv"}


def test_a_page_with_an_error_says_so_once_in_its_title(world: World, frozen: AllocationRound) -> None:
    refused = signed_in(world.administrator).post(f"/allocation-rounds/{TECH}/{frozen.number}/cancel/", {"reason": ""})
    title = re.search(r"<title>(.*?)</title>", refused.content.decode(), re.S).group(1)
    assert title.startswith("Error: Allocation round") or title.startswith("Error: Round"), title
    assert title.count("Error:") == 1
