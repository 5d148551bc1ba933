"""Each entry's chance before a draw, and after it, tests that the draw selected as those chances said it would.

Before the draw the round's page gives every entry's chance of selection and the places each category and
employer can expect: exact where the ballot has no caps and no weights (every worker's chance is the places over
the workers entered), otherwise estimated from many simulated draws with a stated margin. A simulated draw ranks
the entries at random with the ballot's weights (an entry of weight w is ranked as the least of w uniform tickets,
which orders as an exponential draw divided by w) and walks the ranking as the draw itself does.

After the draw, the self-tests compare how many were selected in each group (lodgement week, category, employer
size, weight) with what the chances expected, by a χ² test. A failing test flags the round for review; it never
changes a result.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bordercase.ballot.draw import Caps, Walk
from bordercase.ballot.files import Entry

SIMULATED_DRAWS = 10_000
# A self-test fails below this p-value: with four tests a round, about one honest round in 2,500 is flagged.
FLAG_BELOW = 0.001
Z_95 = 1.959964


@dataclass(frozen=True)
class Odds:
    exact: bool
    draws: int  # how many simulated draws the estimate rests on; 0 when exact
    chance: dict[str, float]  # by entry id: the chance the entry is selected
    margin: float  # the widest 95% margin of any entry's estimate; 0 when exact
    per_category: dict[str, float]  # places expected
    per_employer: dict[str, float]

    def as_json(self) -> dict[str, object]:
        return {"exact": self.exact, "draws": self.draws, "chance": self.chance, "margin": self.margin,
                "per_category": self.per_category, "per_employer": self.per_employer}


def odds(entries: Sequence[Entry], caps: Caps, *, seed: bytes, draws: int = SIMULATED_DRAWS) -> Odds:
    """The chances for these entries under these caps. ``seed`` fixes the simulation, so anyone re-running it from
    the published declaration gets the same estimate."""
    entries = list(entries)
    if not caps.category and caps.employer is None and all(e.weight == 1 for e in entries):
        chance = _exact(entries, caps.places)
        return _odds(entries, chance, exact=True, draws=0, margin=0.0)
    walk = Walk(entries, caps)
    rng = np.random.default_rng(np.frombuffer(hashlib.sha256(seed).digest(), dtype=np.uint64))
    counts = np.zeros(len(entries), dtype=np.int64)
    weight = walk.weight.astype(np.float64)
    for _ in range(draws):
        order = np.argsort(rng.standard_exponential(len(entries)) / weight, kind="stable")
        counts[walk.selected(order)] += 1
    estimate = counts / draws
    margin = float(np.max(Z_95 * np.sqrt(estimate * (1 - estimate) / draws))) if len(entries) else 0.0
    return _odds(entries, dict(zip((e.entry_id for e in entries), estimate.tolist(), strict=True)), exact=False,
                 draws=draws, margin=margin)


def _exact(entries: Sequence[Entry], places: int) -> dict[str, float]:
    # Without caps or weights every worker is equally likely to be among the first `places` workers ranked, and a
    # worker entered k times is selected through whichever of their k entries ranks first, each equally likely.
    workers = Counter(e.beneficiary_id or f"\0{e.entry_id}" for e in entries)
    each = min(1.0, places / len(workers)) if workers else 0.0
    return {e.entry_id: each / workers[e.beneficiary_id or f"\0{e.entry_id}"] for e in entries}


def _odds(entries: Sequence[Entry], chance: dict[str, float], *, exact: bool, draws: int, margin: float) -> Odds:
    per_category: defaultdict[str, float] = defaultdict(float)
    per_employer: defaultdict[str, float] = defaultdict(float)
    for e in entries:
        per_category[e.category] += chance[e.entry_id]
        per_employer[e.employer_id] += chance[e.entry_id]
    return Odds(exact, draws, chance, margin, dict(per_category), dict(per_employer))


@dataclass(frozen=True)
class SelfTest:
    name: str  # what the entries are grouped by
    groups: list[tuple[str, int, float]]  # each group: its name, selected, expected
    statistic: float
    degrees: int
    p_value: float | None  # None when there are fewer than two groups to compare

    @property
    def failed(self) -> bool:
        return self.p_value is not None and self.p_value < FLAG_BELOW

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "groups": self.groups, "statistic": self.statistic, "degrees": self.degrees,
                "p_value": self.p_value, "failed": self.failed}


def employer_size(entries: Sequence[Entry]) -> dict[str, str]:
    """Each entry's employer, by how many entries the employer has in the round."""
    sizes = Counter(e.employer_id for e in entries if e.employer_id)
    bands = ((1, "1 entry"), (5, "2 to 5 entries"), (20, "6 to 20 entries"))
    return {e.entry_id: "no employer" if not e.employer_id else
            next((label for top, label in bands if sizes[e.employer_id] <= top), "more than 20 entries")
            for e in entries}


def self_tests(entries: Sequence[Entry], selected: set[str], chance: Mapping[str, float],
               lodged_week: Mapping[str, str]) -> list[SelfTest]:
    """The draw's selections in each grouping against what the chances expected."""
    groupings = {
        "lodgement week": lodged_week,
        "category": {e.entry_id: e.category or "none" for e in entries},
        "employer size": employer_size(entries),
        "weight": {e.entry_id: f"{e.weight} ticket{'s' if e.weight != 1 else ''}" for e in entries},
    }
    return [_chi_squared(name, group_of, entries, selected, chance) for name, group_of in groupings.items()]


def _chi_squared(name: str, group_of: Mapping[str, str], entries: Sequence[Entry], selected: set[str],
                 chance: Mapping[str, float]) -> SelfTest:
    observed: Counter[str] = Counter()
    expected: defaultdict[str, float] = defaultdict(float)
    for e in entries:
        group = group_of.get(e.entry_id, "unknown")
        expected[group] += chance[e.entry_id]
        observed[group] += e.entry_id in selected
    groups = sorted((g, observed[g], expected[g]) for g in expected)
    compared = [(o, x) for _, o, x in groups if x > 0]
    if len(compared) < 2:
        return SelfTest(name, groups, 0.0, 0, None)
    statistic = sum((o - x) ** 2 / x for o, x in compared)
    degrees = len(compared) - 1
    # scipy.stats takes a second to import, which every process of ours would pay at start for the one draw that
    # runs these tests.
    from scipy.stats import chi2

    p_value = float(chi2.sf(statistic, degrees))
    return SelfTest(name, groups, statistic, degrees, p_value if math.isfinite(p_value) else None)
