"""What a capped scheme's next round would give under changed settings (pure: no Django).

The places, the caps (each category's and the employer's), the weights and the method come from the scheme's
parameters as a what-if changes them; each request waiting for a place becomes an entry exactly as freezing a round
makes it (``cases.allocation``), and the chances are ``ballot.odds``'s: exact where nothing is capped or weighted,
otherwise estimated from simulated draws walked as the draw walks its one (``ballot.draw.Walk``). In order of
receipt nothing is drawn, so each entry's chance is 1 or 0.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bordercase.ballot import Caps, Entry, Status, rank_by_receipt
from bordercase.ballot.odds import odds
from bordercase.cases.allocation import caps_of, category_of, priority_tier, weight_of
from bordercase.policy.parameters import ParameterNotInForce
from bordercase.policy.scheme import Scheme as Policy

# Fixed, so the same what-if gives the same estimate each time it is asked.
SEED = b"bordercase what-if places"
DRAWS = 2_000


@dataclass(frozen=True)
class Waiting:
    """A request waiting for a place: what its entry is made from."""

    reference: str
    answers: Mapping[str, Any]
    worker: str  # the worker's identity, so one worker entered twice is counted once
    employer: str
    lodged_at: str  # sortable text, for order of receipt
    lodged_on: dt.date | None = None  # the day in New Zealand, whose rules the request was lodged under


@dataclass(frozen=True)
class Settings:
    method: str
    places: int
    caps: Caps
    weights: Mapping[str, Any]
    category: Mapping[str, Any]
    priority: tuple[str, ...]


@dataclass(frozen=True)
class CategoryPlaces:
    category: str
    entries_before: int
    entries_after: int
    cap_before: int | None
    cap_after: int | None
    places_before: float
    places_after: float


@dataclass(frozen=True)
class EntryChance:
    reference: str
    category_before: str
    category_after: str
    weight_before: int
    weight_after: int
    chance_before: float
    chance_after: float


@dataclass(frozen=True)
class Places:
    before: Settings
    after: Settings
    entries: int
    leaving: int  # entries the changed rules find ineligible, so no longer in the pool
    exact: bool  # both sides exact (no caps and no weights, or order of receipt)
    draws: int
    margin: float  # the widest 95% margin of any estimated chance, either side
    categories: list[CategoryPlaces]
    chances: list[EntryChance]

    def as_json(self) -> dict[str, Any]:
        def settings(s: Settings) -> dict[str, Any]:
            return {"method": s.method, "places": s.places, "category_caps": dict(s.caps.category),
                    "employer_cap": s.caps.employer}

        return {"before": settings(self.before), "after": settings(self.after), "entries": self.entries,
                "leaving": self.leaving,
                "exact": self.exact, "draws": self.draws, "margin": round(self.margin, 4),
                "categories": [{"category": c.category, "entries_before": c.entries_before,
                                "entries_after": c.entries_after, "cap_before": c.cap_before,
                                "cap_after": c.cap_after, "places_before": round(c.places_before, 2),
                                "places_after": round(c.places_after, 2)} for c in self.categories],
                "chances": [{"request": e.reference, "category": e.category_after, "weight_before": e.weight_before,
                             "weight_after": e.weight_after, "chance_before": round(e.chance_before, 4),
                             "chance_after": round(e.chance_after, 4)} for e in self.chances]}


def _value(policy: Policy, name: str, as_at: dt.date, default: Any) -> Any:
    if name not in policy.parameters:
        return default
    try:
        return policy.value(name, as_at)
    except ParameterNotInForce:
        return default


def settings_of(policy: Policy, as_at: dt.date, held: int) -> Settings:
    """The allocation parameters as at the date; the places are the scheme's less those ``held`` now."""
    places = max(0, int(_value(policy, "places", as_at, 0) or 0) - held)
    return Settings(
        method=str(_value(policy, "allocation_method", as_at, "ballot")), places=places,
        caps=caps_of(places, _value(policy, "ballot_category_caps", as_at, {}) or {},
                     _value(policy, "ballot_employer_cap", as_at, 0)),
        weights=_value(policy, "ballot_weight_by_salary_band", as_at, {}) or {},
        category=_value(policy, "ballot_category", as_at, {}) or {},
        priority=tuple(_value(policy, "order_of_receipt_priority", as_at, ()) or ()))


def entries_of(pool: Sequence[Waiting], settings: Settings) -> list[Entry]:
    """The round's entries as freezing would make them under these settings."""
    by_ballot = settings.method == "ballot"
    return [Entry(entry_id=w.reference, beneficiary_id=w.worker, employer_id=w.employer,
                  category=category_of(w.answers, settings.category),
                  weight=weight_of(w.answers, settings.weights) if by_ballot else 1,
                  priority=0 if by_ballot else priority_tier(w.answers, settings.priority),
                  lodged_at="" if by_ballot else w.lodged_at) for w in pool]


def chances(entries: Sequence[Entry], settings: Settings, draws: int) -> tuple[dict[str, float], bool, int, float]:
    """Each entry's chance of a place, whether exact, the draws simulated and the widest margin."""
    if settings.method != "ballot":
        results = rank_by_receipt(entries, settings.caps)
        return {r.entry_id: float(r.status == Status.SELECTED) for r in results}, True, 0, 0.0
    found = odds(entries, settings.caps, seed=SEED, draws=draws)
    return found.chance, found.exact, found.draws, found.margin


def places_whatif(pool: Sequence[Waiting], base: Policy, variant: Policy, as_at: dt.date, held: int,
                  draws: int = DRAWS, leaving: frozenset[str] = frozenset()) -> Places:
    """The places each category can expect and each entry's chance, under the scheme as it is and as changed.

    ``leaving`` are the references of entries the changed rules would find ineligible: they have no chance as
    changed, and leave their places to the rest.
    """
    before, after = settings_of(base, as_at, held), settings_of(variant, as_at, held)
    entries_before = entries_of(pool, before)
    entries_after = entries_of([w for w in pool if w.reference not in leaving], after)
    chance_before, exact_before, draws_before, margin_before = chances(entries_before, before, draws)
    chance_after, exact_after, draws_after, margin_after = chances(entries_after, after, draws)
    count_before = Counter(e.category for e in entries_before)
    count_after = Counter(e.category for e in entries_after)
    expected_before: defaultdict[str, float] = defaultdict(float)
    expected_after: defaultdict[str, float] = defaultdict(float)
    for e in entries_before:
        expected_before[e.category] += chance_before[e.entry_id]
    for e in entries_after:
        expected_after[e.category] += chance_after[e.entry_id]
    names = sorted(set(count_before) | set(count_after) | set(before.caps.category) | set(after.caps.category))
    categories = [CategoryPlaces(name, count_before[name], count_after[name], before.caps.category.get(name),
                                 after.caps.category.get(name), expected_before[name],
                                 expected_after[name]) for name in names]
    after_of = {e.entry_id: e for e in entries_after}
    rows = [EntryChance(b.entry_id, b.category, after_of[b.entry_id].category if b.entry_id in after_of else "",
                        b.weight, after_of[b.entry_id].weight if b.entry_id in after_of else 0,
                        chance_before[b.entry_id], chance_after.get(b.entry_id, 0.0)) for b in entries_before]
    return Places(before, after, len(pool), len(pool) - len(entries_after), exact_before and exact_after,
                  max(draws_before, draws_after), max(margin_before, margin_after), categories, rows)
