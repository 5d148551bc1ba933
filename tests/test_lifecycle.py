"""The lifecycle: the pure rules in cases.lifecycle, and the services that apply them to stored requests."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.accounts.organisations import organisation_by_code
from bordercase.cases import lifecycle
from bordercase.cases.chain import GENESIS, event_hash_v2, text_digest
from bordercase.cases.lifecycle import (
    FINAL_STATES,
    TRANSITIONS,
    IllegalTransition,
    LifecycleError,
    NotPermitted,
    Party,
    ReasonRequired,
    State,
    Step,
    Transition,
    available,
    check,
)
from bordercase.cases.models import AllocationEntry, Event, IntakeWindow, Request, Scheme
from bordercase.cases.models.events import AppendOnly
from bordercase.cases.services.events import SYSTEM, Actor, event_append
from bordercase.cases.services.lodging import request_lodge
from bordercase.cases.services.requests import request_create
from bordercase.cases.services.transitions import request_transition
from bordercase.cases.services.windows import scheme_intake, window_add
from bordercase.lib.errors import InvalidInput, OutsideWindow, Refused
from tests.conftest import World, nominee, request_snapshot
from tests.walking import OWNING, NotWalkable, walk, worker_account

NONE = frozenset[Step]()
TECH = frozenset({Step.ALLOCATION, Step.RECOMMENDATION})
RECOMMENDATION_ONLY = frozenset({Step.RECOMMENDATION})
ALLOCATION_ONLY = frozenset({Step.ALLOCATION})
# Schemes made only for these tests, so every combination of steps is walked: code -> (title, places, recommends)
TEST_SCHEMES = {
    "test-recommendation-only": ("Recommended, uncapped", None, True),
    "test-allocation-only": ("Capped, not recommended", 10, False),
}
# steps -> (scheme code, assessing body, the persona assessing there)
SCHEMES: dict[frozenset[Step], tuple[str, str, str]] = {
    NONE: ("other-essential-worker-2020", "inz", "assessor_inz"),
    TECH: ("tech-specialists-2022", "nztech", "assessor_nztech"),
    RECOMMENDATION_ONLY: ("test-recommendation-only", "nztech", "assessor_nztech"),
    ALLOCATION_ONLY: ("test-allocation-only", "inz", "assessor_inz"),
}
STEPS_NAME = {NONE: "no-steps", TECH: "tech", RECOMMENDATION_ONLY: "recommendation-only",
              ALLOCATION_ONLY: "allocation-only"}
# The party a test acts as when several may make a transition.
ACTING_ORDER = (Party.APPLICANT, Party.ASSESSOR, Party.INZ_OFFICER, Party.ADMINISTRATOR, Party.SYSTEM)
REF = "BX-TEST-0000"


def make(*, request: Request, name: str, by: Actor, reason: str = "") -> Request:
    """The transition, through lodging's own action for a lodge (it alone does lodging's work), else the primitive
    whose rules these tests pin: these are tests of request_transition itself (who may make what, from where, with
    what reason, and what it records), so they name the transition to it on purpose. Every request they start from
    is brought to its state by the owning actions (``in_state``)."""
    if name == "lodge":
        return request_lodge(request=request, by=by, reason=reason)
    return request_transition(request=request, name=name, by=by, reason=reason)


def path_to(target: State, steps: frozenset[Step]) -> list[str] | None:
    """The shortest run of transitions from a draft to ``target`` under these steps, or None."""
    queue: deque[tuple[State, list[str]]] = deque([(State.DRAFT, [])])
    seen = {State.DRAFT}
    while queue:
        state, path = queue.popleft()
        if state == target:
            return path
        for t in TRANSITIONS.values():
            if state in t.sources(steps) and t.target not in seen and t.parties & set(ACTING_ORDER):
                seen.add(t.target)
                queue.append((t.target, [*path, t.name]))
    return None


def actor_for(transition: Transition, world: World, steps: frozenset[Step]) -> Actor:
    party = next(p for p in ACTING_ORDER if p in transition.parties)
    return {
        Party.APPLICANT: world.employer_a, Party.ASSESSOR: world.actor(SCHEMES[steps][2]),
        Party.INZ_OFFICER: world.inz_officer, Party.ADMINISTRATOR: world.administrator, Party.SYSTEM: SYSTEM,
    }[party]


LEGAL_CASES = list(dict.fromkeys(
    (t.name, source, steps)
    for t in TRANSITIONS.values() for route in t.routes for source in sorted(route.sources)
    for steps in SCHEMES if route.applies_to(steps) and path_to(source, steps) is not None
))




@pytest.fixture
def in_state(world: World, make_request: Callable[..., Request]) -> Callable[[str, frozenset[Step]], Request]:
    """Kōwhai Software's request, walked to the given state by each transition's owning action (a round allocates
    or waitlists it; its worker, from their own account, lodges the request to travel)."""

    def make(state: str, steps: frozenset[Step]) -> Request:
        code, body, _ = SCHEMES[steps]
        if code in TEST_SCHEMES:
            title, places, recommends = TEST_SCHEMES[code]
            scheme, _ = Scheme.objects.get_or_create(
                code=code, defaults={"title": title, "kind": Scheme.Kind.CLASS_EXCEPTION, "places": places,
                                     "uses_recommendation": recommends})
            scheme.assessing_bodies.set([organisation_by_code(body)])
            if not scheme.windows.exists():
                window_add(scheme=scheme, opens_at=timezone.now() - timedelta(days=1),
                           closes_at=timezone.now() + timedelta(days=1))
        request = make_request(scheme=code, body=body)
        path = path_to(State(state), steps)
        assert path is not None, f"{state} cannot be reached under {STEPS_NAME[steps]}"
        request = walk(request, [(name, worker_account(request) if name == "request_travel"
                                 else actor_for(TRANSITIONS[name], world, steps)) for name in path])
        assert request.status == state
        return request

    return make


# --- walk: the tests' one way through the lifecycle ---------------------------------------------------------------


def test_walk_has_an_owning_action_for_every_transition_and_refuses_anything_else(
    world: World, make_request: Callable[..., Request]
) -> None:
    assert set(OWNING) == set(TRANSITIONS)
    draft = make_request()
    before = request_snapshot(draft)
    with pytest.raises(NotWalkable, match="no owning action for 'approve'"):
        walk(draft, [("approve", world.administrator)])
    with pytest.raises(NotWalkable, match="by a person"):
        walk(draft, [("lodge", SYSTEM)])
    assert request_snapshot(draft) == before


def test_walk_waitlists_by_a_round_and_promotes_when_a_place_is_given_up(
    world: World, in_state: Callable[..., Request]
) -> None:
    waiting = in_state("waitlisted", TECH)
    entry = AllocationEntry.objects.select_related("round").get(request=waiting)
    assert (entry.round.status, entry.result) == ("drawn", "waitlisted")
    assert Scheme.objects.get(code="tech-specialists-2022").places == 600  # as it was before the round
    walk(waiting, [("promote", world.administrator)])
    assert Request.objects.get(pk=waiting.pk).status == waiting.status == "allocated"
    promoted = Event.objects.get(request=waiting, transition="promote")
    assert promoted.actor is None and promoted.actor_label == "system:reallocation"


def test_walk_allocates_round_after_round_with_intake_open_between_even_on_a_stopped_clock(
    world: World, in_state: Callable[..., Request]
) -> None:
    with time_machine.travel(timezone.now(), tick=False):
        first, second = in_state("allocated", TECH), in_state("allocated", TECH)
        assert scheme_intake(first.scheme).is_open
    numbers = [AllocationEntry.objects.select_related("round").get(request=r).round.number for r in (first, second)]
    assert numbers == [1, 2]


# --- pure rules -------------------------------------------------------------------------------------------------


def test_every_transition_and_every_source_of_each_route_has_a_legal_case() -> None:
    wanted = {(t.name, s) for t in TRANSITIONS.values() for route in t.routes for s in route.sources}
    covered = {(name, source) for name, source, _ in LEGAL_CASES}
    assert wanted - covered == set(), "these can never be reached from a draft under any scheme tested here"
    assert {name for name, _, _ in LEGAL_CASES} == set(TRANSITIONS)


def test_it_refuses_an_unknown_transition_naming_the_known_ones() -> None:
    with pytest.raises(LifecycleError, match="no transition called 'approve'") as info:
        check(reference=REF, state=State.LODGED, transition_name="approve", parties=set(Party), steps=TECH, reason="")
    assert "start_assessment" in str(info.value) and not isinstance(info.value, IllegalTransition)


@pytest.mark.parametrize("steps", list(SCHEMES), ids=STEPS_NAME.get)
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_it_refuses_every_transition_from_every_state_it_does_not_start_from(name: str, steps: frozenset[Step]) -> None:
    transition = TRANSITIONS[name]
    for state in set(State) - transition.sources(steps):
        with pytest.raises(IllegalTransition) as info:
            check(reference=REF, state=state, transition_name=name, parties=transition.parties, steps=steps,
                  reason="A reason.")
        assert REF in str(info.value) and f"is {state.value}," in str(info.value) and f"({name})" in str(info.value)


def test_it_says_which_states_a_transition_starts_from_or_that_the_scheme_lacks_the_step() -> None:
    with pytest.raises(IllegalTransition, match="only a request that is draft can be lodged"):
        check(reference=REF, state=State.LODGED, transition_name="lodge", parties={Party.APPLICANT}, steps=TECH,
              reason="")
    with pytest.raises(IllegalTransition, match="its scheme does not use the allocate step"):
        check(reference=REF, state=State.ELIGIBLE, transition_name="allocate", parties={Party.ADMINISTRATOR},
              steps=NONE, reason="")


def test_it_checks_permission_before_state_and_names_who_may() -> None:
    with pytest.raises(NotPermitted, match="only an assessor at the assessing body can") as info:
        check(reference=REF, state=State.DRAFT, transition_name="decline", parties={Party.APPLICANT}, steps=TECH,
              reason="No.")
    assert REF in str(info.value)


@pytest.mark.parametrize("name", [t.name for t in TRANSITIONS.values() if t.reason_required])
@pytest.mark.parametrize("reason", ["", "   \n\t"])
def test_a_transition_that_needs_a_reason_refuses_a_blank_one(name: str, reason: str) -> None:
    transition = TRANSITIONS[name]
    source = sorted(transition.sources(TECH))[0]
    with pytest.raises(ReasonRequired, match=transition.reason_hint):
        check(reference=REF, state=source, transition_name=name, parties=transition.parties, steps=TECH, reason=reason)
    assert check(reference=REF, state=source, transition_name=name, parties=transition.parties, steps=TECH,
                 reason="Given.") is transition


@pytest.mark.parametrize("steps", list(SCHEMES), ids=STEPS_NAME.get)
def test_nobody_can_move_a_request_out_of_a_final_state(steps: frozenset[Step]) -> None:
    for state in FINAL_STATES:
        assert available(state=state, parties=set(Party), steps=steps) == []


def test_available_lists_only_what_these_parties_may_do_under_these_steps() -> None:
    officer = {Party.INZ_OFFICER}
    assert [t.name for t in available(state=State.ELIGIBLE, parties=officer, steps=NONE)] == ["invite", "lapse"]
    assert [t.name for t in available(state=State.ELIGIBLE, parties=officer, steps=TECH)] == ["lapse"]
    admin = {Party.ADMINISTRATOR}
    assert [t.name for t in available(state=State.ELIGIBLE, parties=admin, steps=TECH)] == [
        "allocate", "waitlist", "lapse"]
    assert [t.name for t in available(state=State.ELIGIBLE, parties=admin, steps=RECOMMENDATION_ONLY)] == [
        "recommend", "lapse"]


# --- the services, on stored requests ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_seeded_schemes_use_the_steps_these_tests_assume(world: World) -> None:
    assert Scheme.objects.get(code="tech-specialists-2022").steps == TECH
    assert Scheme.objects.get(code="other-essential-worker-2020").steps == NONE


@pytest.mark.parametrize(("name", "source", "steps"), LEGAL_CASES,
                         ids=[f"{n}-from-{s}-{STEPS_NAME[st]}" for n, s, st in LEGAL_CASES])
def test_a_permitted_actor_can_make_every_legal_transition(
    world: World, in_state: Callable[..., Request], name: str, source: State, steps: frozenset[Step]
) -> None:
    request = in_state(source, steps)
    transition = TRANSITIONS[name]
    by = actor_for(transition, world, steps)
    before = list(Event.objects.filter(request=request).order_by("position"))
    reason = f"Recorded reason for {name}."

    moved = make(request=request, name=name, by=by, reason=reason)

    stored = Request.objects.get(pk=request.pk)
    assert moved.status == stored.status == transition.target
    after = list(Event.objects.filter(request=request).order_by("position"))
    assert [(e.pk, e.hash) for e in after[:-1]] == [(e.pk, e.hash) for e in before]
    new = after[-1]
    assert len(after) == len(before) + 1
    assert (new.transition, new.from_state, new.to_state, new.reason) == (name, source, transition.target, reason)
    assert new.actor == (by if isinstance(by, User) else None)
    assert new.position == before[-1].position + 1
    assert new.prev_hash == before[-1].hash
    # Chain version 2: the hash covers the account and salted digests of who and why, which the text matches.
    assert new.salt and new.actor_digest == text_digest(salt=new.salt, field="actor", text=new.actor_label)
    assert new.reason_digest == text_digest(salt=new.salt, field="reason", text=reason)
    assert new.hash == event_hash_v2(
        reference=stored.reference, actor_id=new.actor_id, actor_digest=new.actor_digest, at=new.at,
        transition=name, from_state=source, to_state=transition.target, reason_digest=new.reason_digest,
        data=new.data, prev_hash=new.prev_hash)
    assert stored.events_count == len(after) and stored.events_head_hash == new.hash
    assert stored.status_changed_at is not None and stored.status_changed_at <= new.at
    assert (stored.lodged_at is not None) == (transition.target != State.DRAFT)


@pytest.mark.parametrize("name", [t.name for t in TRANSITIONS.values() if Party.SYSTEM in t.parties])
def test_bordercase_itself_can_make_the_system_transitions(in_state: Callable[..., Request], name: str) -> None:
    request = in_state(sorted(TRANSITIONS[name].sources(TECH))[0], TECH)
    make(request=request, name=name, by=SYSTEM, reason="The timer ran out.")
    event = Event.objects.get(request=request, position=request.events_count)
    assert (event.transition, event.actor, event.actor_label) == (name, None, "system:bordercase")


def test_lodging_records_when_and_the_reason_is_stored_trimmed(world: World, make_request: Callable) -> None:
    request = make_request()
    assert request.lodged_at is None
    make(request=request, name="lodge", by=world.employer_a, reason="  Ready.  \n")
    assert request.lodged_at is not None
    assert Event.objects.get(request=request, position=2).reason == "Ready."


def test_a_nominated_worker_with_an_account_can_request_travel(world: World, in_state: Callable) -> None:
    request = in_state("invited", TECH)
    request.nominee.user = world.individual
    request.nominee.save(update_fields=["user"])
    make(request=request, name="request_travel", by=world.individual)
    assert request.status == State.TRAVEL_REQUESTED
    assert Event.objects.get(request=request, position=request.events_count).actor == world.individual


ILLEGAL = [
    ("lodged", TECH, "lodge", "employer_a"),
    ("draft", TECH, "decline", "assessor_nztech"),
    ("draft", NONE, "withdraw", "employer_a"),
    ("eligible", TECH, "invite", "inz_officer"),
    ("eligible", TECH, "recommend", "assessor_nztech"),
    ("eligible", NONE, "recommend", "assessor_inz"),
    ("eligible", NONE, "allocate", "administrator"),
    ("in_assessment", TECH, "provide_information", "employer_a"),
    ("invited", TECH, "grant_visa", "inz_officer"),
    ("declined", TECH, "start_assessment", "assessor_nztech"),
    ("visa_granted", TECH, "withdraw", "employer_a"),
    ("withdrawn", NONE, "lodge", "employer_a"),
    ("lapsed", TECH, "lapse", "inz_officer"),
    ("visa_declined", NONE, "decline_visa", "inz_officer"),
]


@pytest.mark.parametrize(("state", "steps", "name", "persona"), ILLEGAL,
                         ids=[f"{n}-from-{s}-{STEPS_NAME[st]}" for s, st, n, _ in ILLEGAL])
def test_an_illegal_transition_is_refused_and_changes_nothing(
    world: World, in_state: Callable, state: str, steps: frozenset[Step], name: str, persona: str
) -> None:
    request = in_state(state, steps)
    before = request_snapshot(request)
    with pytest.raises(IllegalTransition) as info:
        make(request=request, name=name, by=world.actor(persona), reason="A reason.")
    message = str(info.value)
    assert request.reference in message and f"is {state}," in message and f"({name})" in message
    assert request_snapshot(request) == before


NOT_PERMITTED = [
    ("in_assessment", TECH, "decline", "employer_a"),
    ("draft", TECH, "lodge", "employer_b"),
    ("draft", TECH, "lodge", "inz_officer"),
    ("lodged", TECH, "start_assessment", "assessor_itpnz"),
    ("lodged", NONE, "start_assessment", "assessor_nztech"),
    ("eligible", TECH, "allocate", "employer_a"),
    ("recommended", TECH, "invite", "assessor_nztech"),
    ("invited", TECH, "request_travel", "individual"),
    ("travel_requested", TECH, "grant_visa", "administrator"),
    ("draft", TECH, "lodge", "outsider"),
    ("lodged", TECH, "start_assessment", "outsider"),
    ("in_assessment", TECH, "withdraw", "outsider"),
]


@pytest.mark.parametrize(("state", "steps", "name", "persona"), NOT_PERMITTED,
                         ids=[f"{p}-{n}-from-{s}" for s, _, n, p in NOT_PERMITTED])
def test_the_wrong_party_is_not_permitted_and_nothing_changes(
    world: World, in_state: Callable, state: str, steps: frozenset[Step], name: str, persona: str
) -> None:
    request = in_state(state, steps)
    before = request_snapshot(request)
    with pytest.raises(NotPermitted) as info:
        make(request=request, name=name, by=world.actor(persona), reason="A reason.")
    assert request.reference in str(info.value) and f"({name})" in str(info.value)
    assert request_snapshot(request) == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_declining_without_a_reason_is_refused_and_changes_nothing(
    world: World, in_state: Callable, reason: str
) -> None:
    request = in_state("in_assessment", TECH)
    before = request_snapshot(request)
    with pytest.raises(ReasonRequired, match="A reason is required to decline"):
        make(request=request, name="decline", by=world.assessor_nztech, reason=reason)
    assert request_snapshot(request) == before


@pytest.mark.parametrize(
    ("missing", "kwargs"), [("nominee", {"with_nominee": False}), ("assessing_body", {"body": None})]
)
def test_lodging_an_incomplete_draft_names_what_is_missing(
    world: World, make_request: Callable, missing: str, kwargs: dict[str, Any]
) -> None:
    request = make_request(**kwargs)
    before = request_snapshot(request)
    with pytest.raises(InvalidInput) as info:
        make(request=request, name="lodge", by=world.employer_a)
    assert set(info.value.errors) == {missing}
    assert request_snapshot(request) == before


def test_an_individual_can_start_an_expression_of_interest_with_its_first_event(world: World) -> None:
    request = request_create(by=world.individual, scheme=Scheme.objects.get(code="eoi-family-2020"), nominee=nominee())
    assert (request.status, request.organisation, request.assessing_body.code) == ("draft", None, "inz")
    event = Event.objects.get(request=request)
    assert (event.position, event.transition, event.from_state, event.to_state) == (1, "create", "", "draft")
    assert event.prev_hash == GENESIS and request.events_head_hash == event.hash and request.events_count == 1


CREATE_REFUSALS = [
    ("individual", "tech-specialists-2022", None, "nztech", InvalidInput, "organisation"),
    ("employer_a", "eoi-family-2020", "org_a", None, InvalidInput, "scheme"),
    ("employer_a", "tech-specialists-2022", "org_a", "inz", InvalidInput, "assessing_body"),
    ("employer_a", "other-essential-worker-2020", "org_a", "itpnz", InvalidInput, "assessing_body"),
    ("employer_b", "tech-specialists-2022", "org_a", "nztech", Refused, None),
    ("assessor_nztech", "tech-specialists-2022", "org_a", "nztech", Refused, None),
    ("individual", "eoi-family-2020", "org_a", None, Refused, None),
]


@pytest.mark.parametrize(("persona", "scheme", "org", "body", "error", "field"), CREATE_REFUSALS)
def test_request_create_refuses_what_breaks_a_rule_and_stores_nothing(
    world: World, persona: str, scheme: str, org: str | None, body: str | None, error: type[Exception],
    field: str | None,
) -> None:
    with pytest.raises(error) as info:
        request_create(by=world.actor(persona), scheme=Scheme.objects.get(code=scheme),
                       organisation=getattr(world, org) if org else None, nominee=nominee(),
                       assessing_body=organisation_by_code(body) if body else None)
    if field is not None:
        assert set(info.value.errors) == {field}
    else:
        assert world.org_a.name in str(info.value)
    assert not Request.objects.exists() and not Event.objects.exists()


def test_request_create_refuses_a_closed_scheme(world: World) -> None:
    IntakeWindow.objects.filter(scheme__code="tech-specialists-2022").delete()
    with pytest.raises(OutsideWindow) as info:
        request_create(by=world.employer_a, scheme=Scheme.objects.get(code="tech-specialists-2022"),
                       organisation=world.org_a, assessing_body=organisation_by_code("nztech"))
    assert "has no intake window" in str(info.value) and not Request.objects.exists()


# --- events are append-only -------------------------------------------------------------------------------------

ORM_CHANGES: list[Callable[[Event], Iterable[Any] | None]] = [
    lambda e: (setattr(e, "reason", "Rewritten."), e.save()),
    lambda e: e.delete(),
    lambda e: Event.objects.filter(pk=e.pk).update(reason="Rewritten."),
    lambda e: Event.objects.filter(pk=e.pk).delete(),
    lambda e: Event.objects.all().delete(),
]


@pytest.mark.parametrize("change", ORM_CHANGES, ids=["save", "delete", "qs-update", "qs-delete", "delete-all"])
def test_the_orm_refuses_to_change_or_remove_a_recorded_event(
    world: World, in_state: Callable, change: Callable[[Event], Any]
) -> None:
    request = in_state("lodged", TECH)
    before = request_snapshot(request)
    with pytest.raises(AppendOnly):
        change(Event.objects.get(request=request, position=2))
    assert request_snapshot(request) == before


def test_the_database_refuses_a_raw_sql_update_of_an_event(world: World, in_state: Callable) -> None:
    request = in_state("lodged", TECH)
    before = request_snapshot(request)
    event = Event.objects.get(request=request, position=2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_event SET reason = %s WHERE id = %s", ["Rewritten.", event.pk])
    assert request_snapshot(request) == before



def test_every_kind_of_event_is_declared_with_a_title_and_who_reads_it() -> None:
    assert set(lifecycle.EVENTS) == set(lifecycle.EventKind)
    assert not {k.value for k in lifecycle.EventKind} & set(lifecycle.TRANSITIONS)
    assert lifecycle.event_title("claim") == "Claimed by an assessor"
    assert lifecycle.event_title("lodge") == "Lodged"
    assert "claim" in lifecycle.STAFF_ONLY_EVENTS and "enter_round" not in lifecycle.STAFF_ONLY_EVENTS


def test_a_history_records_only_transitions_and_declared_events(world: World, lodged: Request) -> None:
    before = request_snapshot(lodged)
    with pytest.raises(ValueError, match="neither a transition nor a declared kind"):
        event_append(request=lodged, by=world.employer_a, transition="approve", from_state="lodged",
                     to_state="lodged")
    assert request_snapshot(lodged) == before
