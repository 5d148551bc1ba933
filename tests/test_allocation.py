"""Allocation rounds in the service: entry ids at lodging, freezing, publishing, the draw, reallocation, the pages
and the API. The ballot itself (bordercase.ballot) has its own tests; here it is run through the database."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bordercase import ballot
from bordercase.accounts.models import Membership
from bordercase.cases.allocation import all_fit, caps_of, category_of, priority_tier, weight_of
from bordercase.cases.models import AllocationEntry, AllocationRound, Event, IntakeWindow, Reallocation, Request, Scheme
from bordercase.cases.services import allocation, rounds
from bordercase.cases.services.scheme_cache import schemes_changed
from bordercase.cases.services.transitions import request_transition
from bordercase.cases.services.windows import window_add
from bordercase.lib.errors import ConcurrentChange, InvalidInput, Refused
from bordercase.lib.identifiers import ENTRY_ID_LENGTH, REFERENCE_ALPHABET
from tests.allocation_support import (
    PUBLIC_VALUE,
    TECH,
    V1,
    close_intake,
    drawn_round,
    eligible,
    override_parameters,
    published_round,
)
from tests.conftest import MailServer, World, api_post, nominee, set_places
from tests.walking import walk, worker_account

Capture = Callable[..., Any]
ClientFor = Callable[[Any], Client]
API = "/api/v1"
BASH = shutil.which("bash") or "/bin/bash"


def status_of(request: Request) -> str:
    return Request.objects.get(pk=request.pk).status


def snapshot(round_: AllocationRound) -> tuple[Any, ...]:
    fresh = AllocationRound.objects.get(pk=round_.pk)
    requests = Request.objects.filter(allocation_entries__round=fresh).order_by("pk")
    return (fresh.status, fresh.secret, fresh.seed, bytes(fresh.results_csv), fresh.public_value,
            [(r.status, r.events_count) for r in requests], Reallocation.objects.count())


def results_by_request(round_: AllocationRound) -> dict[int, str]:
    return dict(AllocationEntry.objects.filter(round=round_).values_list("request_id", "result"))


# --- the pure rules: weights, categories, tiers, and when no draw is needed ---------------------------------------


def test_an_entry_weighs_as_the_highest_band_its_salary_reaches_and_at_least_1() -> None:
    bands = {"answer": "annual_salary_nzd", "bands": {"120000": 1, "150000": 2, "180000": 3, "210000": 4}}
    assert weight_of({"annual_salary_nzd": 150000}, bands) == 2
    assert weight_of({"annual_salary_nzd": "209999.99"}, bands) == 3
    assert weight_of({"annual_salary_nzd": 250000}, bands) == 4
    assert weight_of({"annual_salary_nzd": 90000}, bands) == 1  # below every band
    assert weight_of({}, bands) == 1
    assert weight_of({"annual_salary_nzd": 250000}, {"answer": "annual_salary_nzd", "bands": {"0": 1}}) == 1


def test_a_category_is_the_first_characters_of_the_named_answer_and_empty_without_it() -> None:
    spec = {"answer": "anzsco_code", "characters": 4}
    assert category_of({"anzsco_code": "261313"}, spec) == "2613"
    assert category_of({"job_title": "Senior Software Engineer"}, spec) == ""
    assert category_of({"anzsco_code": "261313"}, {"answer": "anzsco_code", "characters": 0}) == "261313"
    assert category_of({"anzsco_code": "261313"}, {}) == ""


def test_the_priority_tier_is_the_first_priority_answer_given() -> None:
    assert priority_tier({"pipeline_programmes": ["Summer of Tech"]}, ["pipeline_programmes"]) == 1
    assert priority_tier({"pipeline_programmes": []}, ["pipeline_programmes"]) == 2
    assert priority_tier({"industry_memberships": ["NZTech"]}, ["pipeline_programmes", "industry_memberships"]) == 2
    assert priority_tier({}, []) == 1


def test_every_entry_fits_only_with_room_no_worker_twice_and_no_cap_exceeded() -> None:
    entries = [ballot.Entry("A", beneficiary_id="w1", category="2613", employer_id="e1"),
               ballot.Entry("B", beneficiary_id="w2", category="2613", employer_id="e1"),
               ballot.Entry("C", beneficiary_id="w3", category="2621", employer_id="e2")]
    assert all_fit(entries, caps_of(3, {}, 0))
    assert not all_fit(entries, caps_of(2, {}, 0))
    assert not all_fit(entries, caps_of(3, {"2613": 1}, 0))
    assert all_fit(entries, caps_of(3, {"2613": 2, "2621": 1}, 0))
    assert not all_fit(entries, caps_of(3, {}, 1))
    assert all_fit(entries, caps_of(3, {}, 2))
    assert not all_fit([*entries[:2], ballot.Entry("D", beneficiary_id="w1")], caps_of(10, {}, 0))


# --- entry ids at lodging ----------------------------------------------------------------------------------------


def test_lodging_under_a_capped_scheme_gives_a_random_entry_id_and_another_scheme_none(
    world: World, make_request: Callable[..., Request]
) -> None:
    person = nominee()
    ours = eligible(world, person=person)
    theirs = eligible(world, employer="b", person=person)
    assert ours.worker_identity == theirs.worker_identity  # the same worker, nominated twice
    for request in (ours, theirs):
        assert len(request.entry_id) == ENTRY_ID_LENGTH and set(request.entry_id) <= set(REFERENCE_ALPHABET)
        assert request.reference.replace("-", "") not in request.entry_id
        assert person.passport_number not in request.entry_id
    assert ours.entry_id != theirs.entry_id
    other = walk(make_request(scheme="other-essential-worker-2020", body="inz"), [("lodge", world.employer_a)])
    assert other.entry_id is None
    assert make_request().entry_id is None  # a draft has none yet


# --- a ballot round, step by step ----------------------------------------------------------------------------------


def test_a_ballot_round_freezes_publishes_draws_and_moves_every_request(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    set_places(3)
    pool = [eligible(world) for _ in range(3)] + [eligible(world, employer="b") for _ in range(2)]
    assessed = walk(eligible(world), [])  # found eligible too, but then lapsed: not in the pool
    walk(assessed, [("lapse", world.administrator)], reason="The employer asked to stop.")
    scheme = Scheme.objects.get(code=TECH)
    close_intake()

    opened = allocation.round_open(scheme=scheme, by=world.administrator, protocol=V1)
    assert (opened.number, opened.status, opened.method) == (1, "open", "ballot")
    frozen = allocation.round_freeze(round_=opened, by=world.administrator)
    assert (frozen.status, frozen.places, frozen.frozen_by) == ("frozen", 3, world.administrator)
    entries = ballot.read_entries(bytes(frozen.entries_csv))
    assert sorted(e.entry_id for e in entries) == sorted(r.entry_id for r in pool)
    assert [e.entry_id for e in entries] == sorted(e.entry_id for e in entries)
    assert {e.weight for e in entries} == {1} and {e.category for e in entries} == {"2613"}
    assert len({e.employer_id for e in entries}) == 2
    assert all(world.org_a.name not in e.employer_id and str(world.org_a.pk) != e.employer_id for e in entries)
    assert frozen.entries_sha256 == ballot.sha256_hex(bytes(frozen.entries_csv))
    for request in pool:
        entered = Event.objects.get(request=request, transition="enter_round")
        assert entered.actor == world.administrator and entered.data["entry_id"] == request.entry_id

    published = allocation.round_publish(round_=frozen, by=world.administrator, declaration="drand quicknet 1234567")
    assert re.fullmatch(r"[0-9a-f]{64}", published.secret)
    stored = AllocationRound.objects.get(pk=opened.pk)
    assert stored.commitment == ballot.commitment(bytes.fromhex(published.secret))
    assert stored.secret == "" and published.secret not in json.dumps(
        [str(v) for v in AllocationRound.objects.filter(pk=opened.pk).values().first().values()])

    with django_capture_on_commit_callbacks(execute=True):
        drawn = allocation.round_draw(round_=stored, by=world.administrator, secret=published.secret,
                                      public_value=PUBLIC_VALUE)
    assert drawn.status == "drawn" and drawn.secret == published.secret and drawn.drawn_by == world.administrator
    assert drawn.seed == ballot.seed_from(bytes.fromhex(published.secret), PUBLIC_VALUE).hex()
    manifest = ballot.Manifest.from_json(bytes(drawn.manifest_json))
    assert manifest.method == "ballot" and manifest.places == 3 and manifest.public_value == PUBLIC_VALUE
    assert ballot.verify(manifest, bytes(drawn.entries_csv), bytes(drawn.results_csv)) == []
    expected = ballot.draw(entries, ballot.Caps(3), bytes.fromhex(drawn.seed))
    assert ballot.read_results(bytes(drawn.results_csv)) == expected
    by_entry = {r.entry_id: r.status for r in expected}
    for request in pool:
        want = "allocated" if by_entry[request.entry_id] == ballot.Status.SELECTED else "waitlisted"
        assert status_of(request) == want
        moved = Event.objects.filter(request=request, transition__in=["allocate", "waitlist"]).get()
        assert moved.actor == world.administrator and "in ballot round 1" in moved.reason
    assert status_of(assessed) == "lapsed"
    # One email to each employer, listing its requests and what the draw did to each: not one per request.
    messages = smtp.wait_for(2)
    assert len(smtp.messages) == 2
    for employer, count in ((world.employer_a, 3), (world.employer_b, 2)):
        [message] = smtp.to(employer.email)
        assert str(message["Subject"]) == f"{count} of your Specialist tech workers class exception requests: the " \
                                          "draw of round 1"
        mine = [r for r in pool if r.organisation_id == Membership.objects.get(user=employer).organisation_id]
        body = message.get_content()
        assert all(r.reference in body for r in mine)
        told = Counter(line for line in body.splitlines() if line.startswith(("Your request has been allocated",
                                                                             "Your request is eligible but")))
        assert sum(told.values()) == count
    assert sum("On the waitlist at position" in m.get_content() for m in messages) >= 1


def test_a_wrong_secret_is_refused_naming_it_and_nothing_changes(world: World) -> None:
    set_places(1)
    for _ in range(2):
        eligible(world)
    published, secret = published_round(world)
    before = snapshot(published)
    wrong = ("0" if secret[0] != "0" else "1") + secret[1:]
    with pytest.raises(InvalidInput) as refused:
        allocation.round_draw(round_=published, by=world.administrator, secret=wrong, public_value=PUBLIC_VALUE)
    assert set(refused.value.errors) == {"secret"}
    message = refused.value.errors["secret"]
    assert "does not match the published commitment" in message and published.commitment in message
    assert "Nothing has been drawn" in message
    for bad in ("not hex at all", secret[:-2], ""):
        with pytest.raises(InvalidInput, match="secret"):
            allocation.round_draw(round_=published, by=world.administrator, secret=bad, public_value=PUBLIC_VALUE)
    with pytest.raises(InvalidInput) as no_value:
        allocation.round_draw(round_=published, by=world.administrator, secret=secret, public_value="  ")
    assert set(no_value.value.errors) == {"public_value"}
    assert snapshot(published) == before
    # Spaces and capitals as someone might paste them are forgiven; the right secret then draws.
    spaced = " ".join(secret[i:i + 8] for i in range(0, 64, 8)).upper()
    assert allocation.round_draw(round_=published, by=world.administrator, secret=spaced,
                                 public_value=PUBLIC_VALUE).status == "drawn"


def test_when_every_entry_fits_all_are_allocated_without_a_draw(
    world: World, make_request: Callable[..., Request]
) -> None:
    pool = [eligible(world), eligible(world, employer="b")]
    late = walk(make_request(), [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech)])
    close_intake()
    opened = allocation.round_open(scheme=Scheme.objects.get(code=TECH), by=world.administrator, protocol=V1)
    frozen = allocation.round_freeze(round_=opened, by=world.administrator)
    assert frozen.status == "allocated" and frozen.places == 600 and frozen.seed == "" and frozen.commitment == ""
    for request in pool:
        assert status_of(request) == "allocated"
        reason = Event.objects.get(request=request, transition="allocate").reason
        assert "2 entries for 600 places, so no draw was needed" in reason
    assert set(rounds.published_files(frozen)) == {"entries.csv"}
    with pytest.raises(ConcurrentChange):
        allocation.round_publish(round_=frozen, by=world.administrator, declaration="drand quicknet 1")
    # The next round counts the places still free.
    walk(late, [("find_eligible", world.assessor_nztech)])
    second = allocation.round_open(scheme=Scheme.objects.get(code=TECH), by=world.administrator, protocol=V1)
    assert allocation.round_freeze(round_=second, by=world.administrator).places == 598


def test_a_worker_entered_twice_is_drawn_once_and_the_other_entry_waitlisted_saying_why(world: World) -> None:
    person = nominee()
    twice = [eligible(world, person=person), eligible(world, employer="b", person=person)]
    eligible(world)
    drawn = drawn_round(world)  # three entries fit 600 places, but one worker cannot have two
    results = results_by_request(drawn)
    assert sorted(results[r.pk] for r in twice) == ["duplicate", "selected"]
    duplicate = next(r for r in twice if results[r.pk] == "duplicate")
    assert status_of(duplicate) == "waitlisted"
    reason = Event.objects.get(request=duplicate, transition="waitlist").reason
    assert "The same worker is entered in another request" in reason and "counted once" in reason


def test_a_pool_with_no_eligible_request_or_no_place_left_is_not_frozen(
    world: World, make_request: Callable[..., Request]
) -> None:
    scheme = Scheme.objects.get(code=TECH)
    set_places(1)
    first, late = (walk(make_request(), [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech)])
                   for _ in range(2))
    close_intake()
    opened = allocation.round_open(scheme=scheme, by=world.administrator, protocol=V1)
    with pytest.raises(InvalidInput, match="has no eligible requests"):
        allocation.round_freeze(round_=opened, by=world.administrator)
    assert (AllocationRound.objects.get(pk=opened.pk).status, AllocationEntry.objects.count()) == ("open", 0)

    walk(first, [("find_eligible", world.assessor_nztech)])
    assert allocation.round_freeze(round_=opened, by=world.administrator).status == "allocated"
    walk(late, [("find_eligible", world.assessor_nztech)])
    second = allocation.round_open(scheme=scheme, by=world.administrator, protocol=V1)
    with pytest.raises(InvalidInput, match="places is held"):
        allocation.round_freeze(round_=second, by=world.administrator)
    assert status_of(late) == "eligible" and AllocationRound.objects.get(pk=second.pk).status == "open"


def test_the_steps_come_in_order_one_round_at_a_time_and_only_for_an_administrator(world: World) -> None:
    scheme = Scheme.objects.get(code=TECH)
    eligible(world)
    with pytest.raises(Refused):
        allocation.round_open(scheme=scheme, by=world.inz_officer, protocol=V1)
    opened = allocation.round_open(scheme=scheme, by=world.administrator, protocol=V1)
    with pytest.raises(InvalidInput, match="has a round that is not finished"):
        allocation.round_open(scheme=scheme, by=world.administrator, protocol=V1)
    with pytest.raises(InvalidInput, match="is taking requests until"):
        allocation.round_freeze(round_=opened, by=world.administrator)
    with pytest.raises(ConcurrentChange, match="reload the round"):
        allocation.round_publish(round_=opened, by=world.administrator, declaration="drand quicknet 1")
    with pytest.raises(ConcurrentChange):
        allocation.round_draw(round_=opened, by=world.administrator)
    for who in (world.assessor_nztech, world.employer_a):
        with pytest.raises(Refused):
            allocation.round_freeze(round_=opened, by=who)
    assert AllocationRound.objects.get(pk=opened.pk).status == "open"
    with pytest.raises(InvalidInput, match="has no capped places"):
        allocation.round_open(scheme=Scheme.objects.get(code="other-essential-worker-2020"), by=world.administrator)


def test_publishing_a_ballot_needs_the_public_value_declared(world: World) -> None:
    set_places(1)
    eligible(world), eligible(world)
    close_intake()
    opened = allocation.round_open(scheme=Scheme.objects.get(code=TECH), by=world.administrator, protocol=V1)
    allocation.round_freeze(round_=opened, by=world.administrator)
    with pytest.raises(InvalidInput) as refused:
        allocation.round_publish(round_=opened, by=world.administrator, declaration="   ")
    assert set(refused.value.errors) == {"declaration"}
    fresh = AllocationRound.objects.get(pk=opened.pk)
    assert (fresh.status, fresh.commitment) == ("frozen", "")
    assert set(rounds.published_files(fresh)) == set()


def test_order_of_receipt_puts_the_priority_tier_first_then_the_earliest_lodged(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    override_parameters(monkeypatch, allocation_method="order_of_receipt")
    set_places(2)
    first = eligible(world, answers={"pipeline_programmes": []})
    second = eligible(world, answers={"pipeline_programmes": []})
    priority = eligible(world, employer="b")  # engaged with a pipeline programme: tier 1, though lodged last
    scheme = Scheme.objects.get(code=TECH)
    close_intake()
    opened = allocation.round_open(scheme=scheme, by=world.administrator, protocol=V1)
    assert opened.method == "order_of_receipt"
    frozen = allocation.round_freeze(round_=opened, by=world.administrator)
    entries = ballot.read_entries(bytes(frozen.entries_csv))
    assert [e.entry_id for e in entries] == [priority.entry_id, first.entry_id, second.entry_id]
    assert [e.priority for e in entries] == [1, 2, 2]
    published = allocation.round_publish(round_=frozen, by=world.administrator)
    assert published.secret == "" and published.round.commitment == ""
    drawn = allocation.round_draw(round_=published.round, by=world.administrator)
    assert [status_of(r) for r in (priority, first, second)] == ["allocated", "allocated", "waitlisted"]
    manifest = ballot.Manifest.from_json(bytes(drawn.manifest_json))
    assert (manifest.method, manifest.secret, manifest.seed) == ("order_of_receipt", "", "")
    assert ballot.verify(manifest, bytes(drawn.entries_csv), bytes(drawn.results_csv)) == []
    assert "in order of receipt in round 1" in Event.objects.get(request=second, transition="waitlist").reason


def test_category_and_employer_caps_are_kept_in_the_draw(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    override_parameters(monkeypatch, ballot_category_caps={"2613": 1}, ballot_employer_cap=2)
    set_places(4)
    for _ in range(5):
        eligible(world)  # ANZSCO 261313: unit group 2613
    for _ in range(3):
        eligible(world, employer="b", answers={"anzsco_code": "262112"})
    drawn = drawn_round(world)
    assert (drawn.category_caps, drawn.employer_cap) == ({"2613": 1}, 2)
    held = Request.objects.filter(allocation_entries__round=drawn, status="allocated")
    # One place for unit group 2613 and two for Harbourside: the fourth place stays empty rather than break a cap.
    assert Counter(r.answers["anzsco_code"][:4] for r in held) == {"2613": 1, "2621": 2}
    assert Counter(r.organisation_id for r in held) == {world.org_a.pk: 1, world.org_b.pk: 2}


# --- reallocation ------------------------------------------------------------------------------------------------


@pytest.fixture
def two_employers_round(world: World, monkeypatch: pytest.MonkeyPatch) -> AllocationRound:
    """Two places, one per employer at most: three entries from Kōwhai Software and two from Harbourside."""
    override_parameters(monkeypatch, ballot_employer_cap=1)
    set_places(2)
    for _ in range(3):
        eligible(world)
    for _ in range(2):
        eligible(world, employer="b")
    return drawn_round(world)


def holders(round_: AllocationRound) -> list[Request]:
    return list(Request.objects.filter(allocation_entries__round=round_, status__in=[
        "allocated", "recommended", "invited", "travel_requested", "visa_granted"]))


def waitlist_of(round_: AllocationRound, organisation_id: int) -> list[AllocationEntry]:
    return list(AllocationEntry.objects.filter(round=round_, request__organisation_id=organisation_id,
                                               request__status="waitlisted").order_by("rank"))


def test_a_withdrawn_place_goes_to_the_first_waitlisted_entry_the_employer_cap_allows(
    world: World, two_employers_round: AllocationRound, django_capture_on_commit_callbacks: Capture,
    smtp: MailServer
) -> None:
    drawn = two_employers_round
    assert sorted(r.organisation_id for r in holders(drawn)) == sorted([world.org_a.pk, world.org_b.pk])
    first_waiting = AllocationEntry.objects.filter(round=drawn, result="waitlisted").order_by("rank").first()
    # The other employer's holder withdraws: the first on the waitlist is passed over, as its employer holds its
    # one place already, and the place goes to the leaving employer's next entry.
    leaving = next(r for r in holders(drawn) if r.organisation_id != first_waiting.request.organisation_id)
    expected = waitlist_of(drawn, leaving.organisation_id)[0]
    assert expected.rank > first_waiting.rank
    with django_capture_on_commit_callbacks(execute=True):
        walk(leaving, [("withdraw", leaving.created_by)], reason="The worker took another job.")
    assert (status_of(expected.request), status_of(first_waiting.request)) == ("allocated", "waitlisted")
    assert sorted(r.organisation_id for r in holders(drawn)) == sorted([world.org_a.pk, world.org_b.pk])
    released = AllocationEntry.objects.get(request=leaving)
    moved = Reallocation.objects.get(round=drawn)
    assert (moved.released, moved.promoted, moved.because) == (released, expected, "withdrawn")
    promote = Event.objects.get(request=expected.request, transition="promote")
    assert promote.actor is None and promote.actor_label == "system:reallocation"
    assert released.entry_id in promote.reason and "was withdrawn" in promote.reason
    assert promote.data["released_entry_id"] == released.entry_id
    assert any("A place was released" in m.get_content() for m in smtp.wait_for(2))


def test_a_lapsed_invitation_and_a_declined_visa_each_release_their_place(
    world: World, two_employers_round: AllocationRound
) -> None:
    drawn = two_employers_round
    kowhai = next(r for r in holders(drawn) if r.organisation_id == world.org_a.pk)
    walk(kowhai, [("recommend", world.assessor_nztech), ("invite", world.inz_officer)])
    assert Reallocation.objects.count() == 0  # still holding its place
    walk(kowhai, [("lapse", world.inz_officer)], reason="The invitation to apply expired.")
    promoted = Reallocation.objects.get(round=drawn).promoted
    assert promoted is not None and promoted.request.organisation_id == world.org_a.pk
    assert status_of(promoted.request) == "allocated"

    harbourside = next(r for r in holders(drawn) if r.organisation_id == world.org_b.pk)
    next_harbourside = waitlist_of(drawn, world.org_b.pk)[0]
    walk(harbourside, [("recommend", world.assessor_nztech), ("invite", world.inz_officer),
                       ("request_travel", worker_account(harbourside)), ("decline_visa", world.inz_officer)],
         reason="Character requirements not met.")
    last = Reallocation.objects.filter(round=drawn).order_by("-pk").first()
    assert (last.because, last.promoted) == ("visa_declined", next_harbourside)
    assert status_of(next_harbourside.request) == "allocated"


def test_a_place_nobody_on_the_waitlist_may_take_is_recorded_and_left_free(
    world: World, two_employers_round: AllocationRound
) -> None:
    drawn = two_employers_round
    harbourside = next(r for r in holders(drawn) if r.organisation_id == world.org_b.pk)
    for entry in waitlist_of(drawn, world.org_b.pk):
        walk(entry.request, [("withdraw", world.employer_b)])  # leaving the waitlist releases nothing
    assert Reallocation.objects.count() == 0
    walk(harbourside, [("withdraw", world.employer_b)])
    moved = Reallocation.objects.get(round=drawn)
    assert moved.promoted is None  # Kōwhai Software's entries are capped at the one place it holds
    assert len(holders(drawn)) == 1 and rounds.places_remaining(Scheme.objects.get(code=TECH)) == 1


def test_a_place_drawn_by_a_request_withdrawn_after_the_freeze_goes_to_the_waitlist_at_the_draw(
    world: World
) -> None:
    set_places(1)
    pool = [eligible(world) for _ in range(3)]
    published, secret = published_round(world)
    seed = ballot.seed_from(bytes.fromhex(secret), PUBLIC_VALUE)
    order = ballot.draw(ballot.read_entries(bytes(published.entries_csv)), ballot.Caps(1), seed)
    winner = next(r for r in pool if r.entry_id == order[0].entry_id)
    walk(winner, [("withdraw", world.employer_a)])
    drawn = allocation.round_draw(round_=published, by=world.administrator, secret=secret, public_value=PUBLIC_VALUE)
    runner_up = next(r for r in pool if r.entry_id == order[1].entry_id)
    assert (status_of(winner), status_of(runner_up)) == ("withdrawn", "allocated")
    moved = Reallocation.objects.get(round=drawn)
    assert (moved.released.request_id, moved.promoted.request_id, moved.because) == (winner.pk, runner_up.pk,
                                                                                       "withdrawn")


def test_a_place_held_outside_any_round_releases_nothing(world: World) -> None:
    # Only a round allocates (cases.lifecycle.OWNERS), so a place held outside any round is one from before rounds
    # existed: the primitive is named here on purpose, to make one, and to pin that giving it up passes nothing on.
    request = request_transition(request=eligible(world), name="allocate", by=world.administrator)
    walk(request, [("withdraw", world.employer_a)])
    assert request.status == "withdrawn" and Reallocation.objects.count() == 0


def frozen_before_v2() -> None:
    """The round as one frozen before bordercase-ballot-v2 was deployed: the migration left it v1, and it is
    published and drawn the v1 way."""
    AllocationRound.objects.filter(status="frozen").update(protocol=V1)


# --- the administrator's pages --------------------------------------------------------------------------------


def test_an_administrator_runs_a_ballot_round_on_the_pages(
    world: World, staff_client: ClientFor
) -> None:
    set_places(1)
    pool = [eligible(world), eligible(world, employer="b")]
    client = staff_client(world.administrator)
    page = client.get("/allocation-rounds/")
    assert page.status_code == 200 and "Specialist tech workers class exception" in page.content.decode()
    opened = client.post(f"/allocation-rounds/{TECH}/open/")
    assert opened.status_code == 302 and opened["Location"] == f"/allocation-rounds/{TECH}/1/"
    refused = client.post(f"/allocation-rounds/{TECH}/1/freeze/")
    assert refused.status_code == 200 and "freeze the pool after intake closes" in refused.content.decode()
    close_intake()
    assert client.post(f"/allocation-rounds/{TECH}/1/freeze/").status_code == 302
    frozen_before_v2()
    missing = client.post(f"/allocation-rounds/{TECH}/1/publish/", {"declaration": ""})
    assert missing.status_code == 200 and "Name the public value the draw will mix in" in missing.content.decode()
    shown = client.post(f"/allocation-rounds/{TECH}/1/publish/", {"declaration": "drand quicknet round 1234567"})
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
    secret = re.search(r'id="secret">([0-9a-f]{64})<', shown.content.decode()).group(1)
    assert secret not in client.get(f"/allocation-rounds/{TECH}/1/").content.decode()
    assert secret not in Client().get(f"/allocation/{TECH}/1/").content.decode()
    again = client.post(f"/allocation-rounds/{TECH}/1/publish/", {"declaration": "drand quicknet round 7"})
    assert again.status_code == 200 and secret not in again.content.decode() and "reload the round" in (
        again.content.decode())

    wrong = client.post(f"/allocation-rounds/{TECH}/1/draw/", {"secret": "ab" * 32, "public_value": PUBLIC_VALUE})
    text = wrong.content.decode()
    assert wrong.status_code == 200 and "There is a problem" in text
    assert "does not match the published commitment" in text
    assert 'href="#id_secret"' in text and AllocationRound.objects.get().status == "published"
    drawn = client.post(f"/allocation-rounds/{TECH}/1/draw/", {"secret": secret, "public_value": PUBLIC_VALUE})
    assert drawn.status_code == 302
    assert sorted(status_of(r) for r in pool) == ["allocated", "waitlisted"]
    assert "1 allocated a place, 1 waitlisted" in client.get(drawn["Location"]).content.decode()


def test_the_public_page_shows_the_manifest_the_downloads_and_the_reallocations(world: World) -> None:
    set_places(1)
    pool = [eligible(world), eligible(world)]
    drawn = drawn_round(world)
    holder = next(r for r in pool if status_of(r) == "allocated")
    walk(holder, [("withdraw", world.employer_a)])
    page = Client().get(f"/allocation/{TECH}/1/")
    text = page.content.decode()
    assert page.status_code == 200
    for value in (drawn.entries_sha256, drawn.results_sha256, drawn.manifest_sha256, drawn.commitment,
                  drawn.secret, drawn.seed, PUBLIC_VALUE, "bordercase-ballot-v1"):
        assert value in text
    assert "bordercase ballot verify" in text
    released = AllocationEntry.objects.get(request=holder).entry_id
    assert released in text and "Withdrawn" in text
    for request in pool:
        assert request.reference not in text and request.nominee.family_name not in text
    assert world.org_a.name not in text
    for name, content in (("entries.csv", drawn.entries_csv), ("results.csv", drawn.results_csv),
                          ("manifest.json", drawn.manifest_json)):
        download = Client().get(f"/allocation/{TECH}/1/{name}")
        assert download.status_code == 200 and download.content == bytes(content)
        assert download["Content-Disposition"] == f'attachment; filename="{TECH}-round-1-{name}"'
        assert ballot.sha256_hex(download.content) in text
    assert Client().get(f"/allocation/{TECH}/1/secret.txt").status_code == 404
    assert Client().get(f"/allocation/{TECH}/2/").status_code == 404
    assert "Round 1" in Client().get("/allocation/").content.decode()


def test_before_the_draw_the_public_page_has_the_entries_and_commitment_but_no_secret(world: World) -> None:
    set_places(1)
    eligible(world), eligible(world)
    published, secret = published_round(world)
    text = Client().get(f"/allocation/{TECH}/1/").content.decode()
    assert published.commitment in text and published.entries_sha256 in text and secret not in text
    assert "drand quicknet round 1234567" in text and "Revealed at the draw" in text
    assert Client().get(f"/allocation/{TECH}/1/entries.csv").status_code == 200
    for name in ("results.csv", "manifest.json"):
        assert Client().get(f"/allocation/{TECH}/1/{name}").status_code == 404


def test_the_command_on_the_public_page_verifies_the_downloaded_files(world: World, tmp_path: Path) -> None:
    set_places(2)
    for _ in range(4):
        eligible(world)
    drawn_round(world)
    page = Client().get(f"/allocation/{TECH}/1/").content.decode()
    command = html.unescape(re.search(r"<pre[^>]*><code>(.*?)</code></pre>", page, re.S).group(1))
    for name in ("manifest.json", "entries.csv", "results.csv"):
        (tmp_path / f"{TECH}-round-1-{name}").write_bytes(Client().get(f"/allocation/{TECH}/1/{name}").content)
    # Run as a reader would paste it, with the bordercase command of this environment on the PATH.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([BASH, "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    results = tmp_path / f"{TECH}-round-1-results.csv"
    results.write_bytes(results.read_bytes().replace(b"selected", b"waitlisted", 1))
    changed = subprocess.run([BASH, "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                             check=False)
    assert changed.returncode != 0 and "results file is not the one published" in changed.stdout + changed.stderr


def test_the_applicant_sees_the_round_in_the_history(world: World) -> None:
    request = eligible(world)
    eligible(world)
    close_intake()
    opened = allocation.round_open(scheme=Scheme.objects.get(code=TECH), by=world.administrator, protocol=V1)
    allocation.round_freeze(round_=opened, by=world.administrator)
    client = Client()
    client.force_login(world.employer_a)
    text = client.get(f"/requests/{request.reference}/").content.decode()
    assert "Entered in an allocation round" in text and f"entry {request.entry_id}" in text
    assert "no draw was needed" in text


# --- the API -------------------------------------------------------------------------------------------------------




def test_an_administrator_runs_a_round_through_the_api_and_anyone_reads_it(
    world: World, api_client: ClientFor
) -> None:
    set_places(1)
    pool = [eligible(world), eligible(world, employer="b")]
    client = api_client(world.administrator)
    opened = api_post(client, f"/allocation/{TECH}/rounds")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    assert api_post(client, f"/allocation/{TECH}/rounds/1/freeze").status_code == 422  # intake still open
    close_intake()
    frozen = api_post(client, f"/allocation/{TECH}/rounds/1/freeze").json()
    assert frozen["status"] == "frozen" and frozen["protocol"] == "bordercase-ballot-v2"
    v1_way = api_post(client, f"/allocation/{TECH}/rounds/1/publish", {"public_value_declaration": "round 7"})
    assert v1_way.status_code == 422 and "beacon_round" in v1_way.json()["fields"]
    frozen_before_v2()
    answer = api_post(client, f"/allocation/{TECH}/rounds/1/publish",
                      {"public_value_declaration": "drand quicknet round 1234567"})
    assert answer["Cache-Control"] == "no-store"
    published = answer.json()
    secret = published["secret"]
    assert published["round"]["commitment"] == ballot.commitment(bytes.fromhex(secret))
    assert published["round"]["secret"] == ""
    wrong = api_post(client, f"/allocation/{TECH}/rounds/1/draw", {"secret": "cd" * 32, "public_value": PUBLIC_VALUE})
    assert wrong.status_code == 422 and "does not match the published commitment" in wrong.json()["fields"]["secret"]
    drawn = api_post(client, f"/allocation/{TECH}/rounds/1/draw", {"secret": secret, "public_value": PUBLIC_VALUE})
    assert drawn.status_code == 200
    body = drawn.json()
    assert body["status"] == "drawn" and body["secret"] == secret and body["results"]["selected"] == 1
    assert sorted(f["name"] for f in body["files"]) == ["entries.csv", "manifest.json", "results.csv"]
    assert sorted(status_of(r) for r in pool) == ["allocated", "waitlisted"]

    anyone = Client()
    read = anyone.get(f"{API}/allocation/{TECH}/rounds/1")
    assert read.status_code == 200 and read.json()["seed"] == body["seed"]
    manifest = anyone.get(f"{API}/allocation/{TECH}/rounds/1/files/manifest.json")
    assert manifest.status_code == 200 and ballot.sha256_hex(manifest.content) == AllocationRound.objects.get(
        ).manifest_sha256
    assert [r["number"] for r in anyone.get(f"{API}/allocation/rounds").json()] == [1]
    assert anyone.get(f"{API}/allocation/{TECH}/rounds/9").status_code == 404


def test_a_lapse_by_an_officer_through_request_transition_also_reallocates(world: World) -> None:
    set_places(1)
    pool = [eligible(world), eligible(world)]
    drawn_round(world)
    holder = next(r for r in pool if status_of(r) == "allocated")
    other = next(r for r in pool if r.pk != holder.pk)
    request_transition(request=holder, name="lapse", by=world.inz_officer, reason="No response to the invitation.")
    assert status_of(other) == "allocated"


def test_the_published_entries_never_carry_the_recomputable_worker_identity(world: World) -> None:
    requests = [eligible(world) for _ in range(3)]
    set_places(2)  # more entries than places, so the round is drawn and its entries published
    published, _ = published_round(world)
    entries = bytes(AllocationRound.objects.get(pk=published.pk).entries_csv).decode()
    for request in Request.objects.filter(pk__in=[r.pk for r in requests]):
        # The identity is an unkeyed hash anyone could recompute from a passport number: it must not be public.
        assert request.worker_identity and request.worker_identity not in entries


def test_a_worker_who_already_holds_a_place_is_not_entered_in_a_later_round(world: World) -> None:
    person = nominee()
    first = eligible(world, person=person)
    close_intake()
    scheme = Scheme.objects.get(code=TECH)
    allocation.round_freeze(round_=allocation.round_open(scheme=scheme, by=world.administrator, protocol=V1),
                            by=world.administrator)  # one entry fits: allocated without a draw
    assert status_of(first) == "allocated"
    reopened = window_add(scheme=scheme, opens_at=timezone.now(), closes_at=timezone.now() + timedelta(days=1))
    again = eligible(world, employer="b", person=person)  # the same worker, nominated by another employer
    other = eligible(world)
    IntakeWindow.objects.filter(pk=reopened.pk).update(closes_at=timezone.now())
    schemes_changed()  # an update sends no signal: tell the scheme cache, as the window services' saving does
    later = allocation.round_open(scheme=Scheme.objects.get(code=TECH), by=world.administrator, protocol=V1)
    frozen = allocation.round_freeze(round_=later, by=world.administrator)
    entered = set(frozen.entries.values_list("request_id", flat=True))
    assert other.pk in entered and again.pk not in entered
