"""A place given up after the draw goes to the first on the waitlist whom the caps allow, by itself.

``transitions.request_transition`` calls ``place_given_up`` in the same transaction as the withdrawal, lapse or declined
visa, so the place is never both given up and not passed on. The round row is locked first, so two places
given up at once go to two different entries.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from bordercase import ballot
from bordercase.cases.allocation import GIVES_UP, HOLDS_PLACE, caps_of, place_released
from bordercase.cases.lifecycle import LifecycleError, State
from bordercase.cases.models import AllocationEntry, AllocationRound, Reallocation, Request
from bordercase.cases.services.events import System
from bordercase.cases.services.moves import request_move
from bordercase.lib.errors import ConcurrentChange

REALLOCATION = System(label="reallocation")
FINISHED = (AllocationRound.Status.DRAWN, AllocationRound.Status.ALLOCATED)

_GAVE_UP = {State.WITHDRAWN: "was withdrawn", State.LAPSED: "lapsed", State.VISA_DECLINED: "had its visa declined",
            State.DECLINED: "was declined"}


def gave_up_phrase(state: str) -> str:
    """How the entry gave up its place, to complete "entry … ": "was withdrawn"."""
    return _GAVE_UP.get(state, f"became {state}")  # type: ignore[call-overload]


def place_given_up(*, request: Request, from_state: State, to_state: State) -> Reallocation | None:
    """Pass on the place a request held, if it held one from a finished round."""
    if not place_released(from_state, to_state):
        return None
    entry = (AllocationEntry.objects.select_related("round").filter(request=request, round__status__in=FINISHED)
             .first())
    if entry is None:
        return None  # allocated by hand, outside any round: no waitlist to pass the place to
    return reallocate(entry.round, entry, because=to_state.value)


def _standing(round_: AllocationRound) -> tuple[set[str], set[str]]:
    """The entries that hold a place now, and those that gave it up or left the waitlist."""
    rows = round_.entries.values_list("entry_id", "request__status")
    holding = {entry_id for entry_id, status in rows if status in HOLDS_PLACE}
    released = {entry_id for entry_id, status in rows if status in GIVES_UP}
    return holding, released


def _holds_a_place_elsewhere(request: Request) -> bool:
    return bool(request.worker_identity) and Request.objects.filter(
        scheme_id=request.scheme_id, worker_identity=request.worker_identity, status__in=HOLDS_PLACE,
    ).exclude(pk=request.pk).exists()


def reallocate(round_: AllocationRound, released: AllocationEntry, *, because: str) -> Reallocation:
    """Promote the next entry the caps allow into ``released``'s place, and record it (with nobody, if none)."""
    locked = AllocationRound.objects.select_for_update().get(pk=round_.pk)
    rows = {r.entry_id: r for r in locked.entries.select_related("request")}
    results = [ballot.Result(r.rank, r.entry_id, ballot.Status(r.result))
               for r in sorted(rows.values(), key=lambda r: r.rank or 0) if r.rank is not None]
    entries = {r.entry_id: ballot.Entry(entry_id=r.entry_id, weight=r.weight, beneficiary_id=r.beneficiary_id,
                                        category=r.category, employer_id=r.employer_id) for r in rows.values()}
    caps = caps_of(locked.places or 0, locked.category_caps, locked.employer_cap)
    passed_over: set[str] = set()
    promoted = None
    while promoted is None:
        holding, given_up = _standing(locked)
        chosen = ballot.promote_next(results, holding, given_up | passed_over, entries, caps)
        if chosen is None:
            break
        row = rows[chosen]
        if _holds_a_place_elsewhere(row.request):
            # The same worker already holds a place through another request (another round or employer): one
            # person takes one place.
            passed_over.add(chosen)
            continue
        reason = (f"A place in allocation round {locked.number} was given up when entry {released.entry_id} "
                  f"{gave_up_phrase(because)}; this request was the first on the waitlist (rank {row.rank}) whom "
                  "the caps allow.")
        try:
            with transaction.atomic():
                request_move(request=row.request, name="promote", by=REALLOCATION, reason=reason,
                             data={"round": locked.number, "entry_id": row.entry_id,
                                   "released_entry_id": released.entry_id})
        except (LifecycleError, ConcurrentChange):
            # Left the waitlist a moment ago (withdrawn as we looked): the place goes to the next one.
            passed_over.add(chosen)
            continue
        promoted = row
    return Reallocation.objects.create(round=locked, released=released, because=because, promoted=promoted,
                                       at=timezone.now())
