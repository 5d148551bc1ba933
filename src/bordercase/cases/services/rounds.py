"""What allocation rounds show: the schemes that have them, their places, and what a round has made public.

Reads only; every change to a round is in cases.services.allocation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from bordercase import ballot
from bordercase.cases.allocation import HOLDS_PLACE, caps_of
from bordercase.cases.lifecycle import State, Step
from bordercase.cases.models import AllocationRound, Reallocation, Request, Scheme
from bordercase.cases.services.evaluations import policy_of
from bordercase.policy.parameters import ParameterNotInForce

Status = AllocationRound.Status
# Lodged but not yet decided: these miss a round frozen now, which the freezing page says.
STILL_ASSESSED = (State.LODGED, State.IN_ASSESSMENT, State.INFO_REQUESTED)


def allocating_schemes() -> list[Scheme]:
    """The schemes with capped places, which allocate them in rounds."""
    return [s for s in Scheme.objects.order_by("title") if Step.ALLOCATION in s.steps]


def parameter_today(scheme: Scheme, name: str, default: Any) -> Any:
    """A scheme parameter as in force today in New Zealand, or ``default`` for a scheme without it."""
    policy = policy_of(scheme)
    if policy is None or name not in policy.parameters:
        return default
    try:
        return policy.value(name, timezone.localdate())
    except ParameterNotInForce:
        return default


@dataclass(frozen=True)
class AllocationSettings:
    """How a round of the scheme would allocate if frozen today: its policy's parameters as in force today."""

    method: str
    places: int  # not held now
    category_caps: dict[str, int]
    employer_cap: int | None
    weights: dict[str, int]  # lower bound of each salary band (NZ$ a year) -> tickets
    weighted_by: str  # the answer the bands read


def settings_today(scheme: Scheme) -> AllocationSettings:
    """The one reading of the allocation parameters: the round page shows it, and freezing fixes it in the round."""
    weights = parameter_today(scheme, "ballot_weight_by_salary_band", {}) or {}
    return AllocationSettings(
        method=str(parameter_today(scheme, "allocation_method", "ballot")), places=places_remaining(scheme),
        category_caps=dict(parameter_today(scheme, "ballot_category_caps", {}) or {}),
        employer_cap=int(parameter_today(scheme, "ballot_employer_cap", 0) or 0) or None,
        weights={str(k): int(v) for k, v in (weights.get("bands") or {}).items()},
        weighted_by=str(weights.get("answer", "")))


def places_remaining(scheme: Scheme) -> int:
    """The scheme's places less those held now: a place given up, and not taken by the waitlist, comes back."""
    held = Request.objects.filter(scheme=scheme, status__in=[s.value for s in HOLDS_PLACE]).count()
    return max(0, (scheme.places or 0) - held)


def still_assessed(scheme: Scheme) -> int:
    return Request.objects.filter(scheme=scheme, status__in=[s.value for s in STILL_ASSESSED]).count()


def eligible_count(scheme: Scheme) -> int:
    return Request.objects.filter(scheme=scheme, status=State.ELIGIBLE).count()


def round_caps(round_: AllocationRound) -> ballot.Caps:
    return caps_of(round_.places or 0, round_.category_caps, round_.employer_cap)


def rounds_of(scheme: Scheme) -> list[AllocationRound]:
    return list(scheme.allocation_rounds.order_by("-number"))


def round_in_progress(scheme: Scheme) -> AllocationRound | None:
    return scheme.allocation_rounds.exclude(status__in=AllocationRound.ENDED).first()


def round_get(scheme_code: str, number: int) -> AllocationRound:
    """The round, or AllocationRound.DoesNotExist. Rounds are public, so anyone may read one."""
    return AllocationRound.objects.select_related("scheme").get(scheme__code=scheme_code, number=number)


@dataclass(frozen=True)
class PublishedFile:
    name: str
    content_type: str
    content: bytes
    sha256: str


def published_files(round_: AllocationRound) -> dict[str, PublishedFile]:
    """The files the round has made public so far, by name.

    The entries are public from publishing (or from freezing, when every entry had a place and there is nothing
    to publish before a draw), with a v2 round's declaration; the results and the manifest, which holds the
    secrets, from the draw.
    """
    files = {}
    # A round cancelled after publishing keeps what it published, its declaration with it.
    if round_.status in (Status.PUBLISHED, Status.DRAWN, Status.ALLOCATED) or round_.published_at is not None:
        files["entries.csv"] = PublishedFile("entries.csv", "text/csv; charset=utf-8", bytes(round_.entries_csv),
                                             round_.entries_sha256)
    if round_.odds:
        chances = "".join(f"{e},{c:.6f}\n" for e, c in sorted(round_.odds["chance"].items())).encode()
        content = b"entry_id,chance\n" + chances
        files["chances.csv"] = PublishedFile("chances.csv", "text/csv; charset=utf-8", content,
                                             ballot.sha256_hex(content))
    if round_.declaration_json:
        files["declaration.json"] = PublishedFile("declaration.json", "application/json",
                                                  bytes(round_.declaration_json), round_.declaration_sha256)
    if round_.status == Status.DRAWN:
        files["results.csv"] = PublishedFile("results.csv", "text/csv; charset=utf-8", bytes(round_.results_csv),
                                             round_.results_sha256)
        files["manifest.json"] = PublishedFile("manifest.json", "application/json", bytes(round_.manifest_json),
                                               round_.manifest_sha256)
    return files


def reallocations_of(round_: AllocationRound) -> list[Reallocation]:
    return list(round_.reallocations.select_related("released", "promoted").order_by("at", "pk"))


def entry_count(round_: AllocationRound) -> int:
    return round_.entries.count()


def result_counts(round_: AllocationRound) -> dict[str, int]:
    counts = {s.value: 0 for s in ballot.Status}
    for result in round_.entries.exclude(result="").values_list("result", flat=True):
        counts[result] = counts.get(result, 0) + 1
    return counts


@dataclass(frozen=True)
class Chances:
    """A v2 round's chances before the draw, as its public page shows them."""

    exact: bool
    draws: int
    margin: float
    entries_by_chance: list[tuple[float, int]]  # each chance (to four places) and how many entries have it
    per_category: list[tuple[str, float]]
    per_employer: list[tuple[str, float]]


def chances_of(round_: AllocationRound) -> Chances | None:
    if not round_.odds:
        return None
    odds = round_.odds
    by_chance: dict[float, int] = {}
    for chance in odds["chance"].values():
        by_chance[round(chance, 4)] = by_chance.get(round(chance, 4), 0) + 1
    return Chances(exact=odds["exact"], draws=odds["draws"], margin=odds["margin"],
                   entries_by_chance=sorted(by_chance.items(), reverse=True),
                   per_category=sorted(odds["per_category"].items()), per_employer=sorted(
                       odds["per_employer"].items(), key=lambda item: (-item[1], item[0])))
