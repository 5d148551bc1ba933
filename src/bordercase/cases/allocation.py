"""How a request becomes an entry in an allocation round, and which places are held (pure: no Django).

The scheme's parameters say how: ``ballot_weight_by_salary_band`` gives an entry its weight,
``ballot_category`` its category, ``order_of_receipt_priority`` its tier when places go in order of receipt.
The ballot itself (``bordercase.ballot``) knows nothing of requests: it sees only the entries file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from bordercase.ballot import Caps, Entry
from bordercase.cases.lifecycle import State

# A request in one of these states holds a place; a granted visa has used it for good.
HOLDS_PLACE = frozenset({State.ALLOCATED, State.RECOMMENDED, State.INVITED, State.TRAVEL_REQUESTED,
                         State.VISA_GRANTED})
# Moving from a held place into one of these gives the place up; from the waitlist, it leaves the waitlist.
GIVES_UP = frozenset({State.WITHDRAWN, State.LAPSED, State.VISA_DECLINED, State.DECLINED})


def place_released(from_state: State | str, to_state: State | str) -> bool:
    """Whether a move gives up a held place: the one rule reallocation and the official statistics both follow,
    so the figures never count a place the allocation has passed on."""
    return State(from_state) in HOLDS_PLACE and State(to_state) in GIVES_UP


def waitlist_given_up(from_state: State | str, to_state: State | str) -> bool:
    """Whether a move takes a request off the waitlist without a place (promotion is the other way off it)."""
    return State(from_state) == State.WAITLISTED and State(to_state) in GIVES_UP


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def weight_of(answers: Mapping[str, Any], spec: Mapping[str, Any]) -> int:
    """The weight of the highest band whose lower bound the answer reaches; 1 with no bands or no answer."""
    bands = spec.get("bands") or {}
    value = _number(answers.get(str(spec.get("answer", ""))))
    weight = 1
    if value is None:
        return weight
    for lower, band_weight in sorted(bands.items(), key=lambda band: _number(band[0]) or Decimal(0)):
        bound = _number(lower)
        if bound is not None and value >= bound:
            weight = int(band_weight)
    # A weight below 1 would take the entry out of the ballot, which only an assessor's decision may do.
    return max(1, weight)


def category_of(answers: Mapping[str, Any], spec: Mapping[str, Any]) -> str:
    """The first ``characters`` of the named answer (all of it for 0); empty without the answer."""
    name = str(spec.get("answer", ""))
    value = answers.get(name) if name else None
    if value in (None, "") or isinstance(value, list | dict):
        return ""
    text = str(value).strip()
    characters = int(spec.get("characters", 0) or 0)
    return text[:characters] if characters > 0 else text


def _given(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return bool(value)


def priority_tier(answers: Mapping[str, Any], priority: Sequence[str]) -> int:
    """1 for a request that gave the first priority answer, 2 for the second, …; after them, the rest."""
    for tier, name in enumerate(priority, start=1):
        if _given(answers.get(name)):
            return tier
    return len(priority) + 1


def caps_of(places: int, category_caps: Mapping[str, Any], employer_cap: Any) -> Caps:
    """The round's caps; an employer cap of 0 (or none) means no cap, as the parameter says."""
    employer = int(employer_cap) if employer_cap else None
    return Caps(places=places, category={str(k): int(v) for k, v in category_caps.items()}, employer=employer)


def all_fit(entries: Sequence[Entry], caps: Caps) -> bool:
    """Whether every entry can have a place: then no draw is needed, since a draw could not change who gets one.

    More entries than places, a worker entered twice (counted once, so one entry must give way) or a cap that
    the entries exceed each leave a choice to make, and the ballot (or the order of receipt) makes it.
    """
    if len(entries) > caps.places:
        return False
    workers = [e.beneficiary_id for e in entries if e.beneficiary_id]
    if len(workers) != len(set(workers)):
        return False
    categories = Counter(e.category for e in entries if e.category)
    if any(count > caps.category[c] for c, count in categories.items() if c in caps.category):
        return False
    employers = Counter(e.employer_id for e in entries if e.employer_id)
    return caps.employer is None or all(count <= caps.employer for count in employers.values())
