"""ANZSCO 2013 (v1.2) as data, and the coding of a job title an employer typed to occupations.

A title is coded by its exact principal title, then by the ABS alternative titles and
specialisations, then by fuzzy matching. When the evidence points at more than one occupation the
coder says so and lists them: a person decides, the coder never guesses.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from rapidfuzz import fuzz, process

HERE = Path(__file__).parent
# Words that say how senior a person is, not what the job is: "Senior Software Engineer" is a Software Engineer.
SENIORITY = frozenset({"senior", "snr", "sr", "junior", "jnr", "jr", "lead", "principal", "staff", "chief", "head"})
FUZZY_CUTOFF = 86.0
MIN_FUZZY_LENGTH = 5
# Candidates this close to the best fuzzy score are as likely as it, so the title is ambiguous.
FUZZY_TIE = 4.0


class Occupation(NamedTuple):
    code: str
    title: str
    unit_group: str
    unit_group_title: str
    skill_level: int

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Match(StrEnum):
    PRINCIPAL = "principal title"
    ALTERNATIVE = "alternative title"
    FUZZY = "close match"
    AMBIGUOUS = "ambiguous"
    NONE = "no match"


@dataclass(frozen=True)
class Coding:
    """What a job title was coded to. ``occupations`` has one entry unless the match is ambiguous."""

    title: str
    match: Match
    occupations: tuple[Occupation, ...]
    matched_titles: tuple[str, ...] = ()

    @property
    def occupation(self) -> Occupation | None:
        return self.occupations[0] if len(self.occupations) == 1 else None


class Anzsco:
    def __init__(self, folder: Path = HERE) -> None:
        self.occupations: dict[str, Occupation] = {}
        self.unit_groups: dict[str, str] = {}
        with (folder / "anzsco-2013.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                occupation = Occupation(row["occupation_code"], row["occupation_title"], row["unit_group_code"],
                                        row["unit_group_title"], int(row["skill_level"]))
                self.occupations[occupation.code] = occupation
                self.unit_groups[occupation.unit_group] = occupation.unit_group_title
        self._titles: dict[str, set[str]] = {}
        # Titles as written, seniority words kept: "Chief Information Officer" is an occupation's own title.
        self._whole: dict[str, tuple[set[str], Match, str]] = {}
        self._kind: dict[str, Match] = {}
        self._display: dict[str, str] = {}
        for occupation in self.occupations.values():
            self._add(occupation.title, occupation.code, Match.PRINCIPAL)
        with (folder / "alternative-titles.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                self._add(row["title"], row["occupation_code"], Match.ALTERNATIVE)
        self._choices = list(self._titles)

    def _add(self, title: str, code: str, kind: Match) -> None:
        codes, _, _ = self._whole.setdefault(normalise(title, keep_seniority=True), (set(), kind, title))
        codes.add(code)
        key = normalise(title)
        if not key:
            return
        self._titles.setdefault(key, set()).add(code)
        # A title that is some occupation's principal title stays principal even if another lists it too.
        if self._kind.get(key) is not Match.PRINCIPAL:
            self._kind[key] = kind
        self._display.setdefault(key, title)

    def known(self, code: str) -> bool:
        return code in self.occupations or code in self.unit_groups

    def describe(self, code: str) -> str:
        """``2613 Software and Applications Programmers`` or ``261313 Software Engineer``."""
        if code in self.occupations:
            return str(self.occupations[code])
        return f"{code} {self.unit_groups[code]}"

    @functools.lru_cache(maxsize=65_536)  # noqa: B019 - one Anzsco lives for the process; titles repeat in a pool
    def code_title(self, title: str) -> Coding:
        whole = self._whole.get(normalise(title, keep_seniority=True))
        if whole is not None:
            codes, kind, shown = whole
            occupations = tuple(self.occupations[c] for c in sorted(codes))
            return Coding(title, kind if len(occupations) == 1 else Match.AMBIGUOUS, occupations, (shown,))
        key = normalise(title)
        if key in self._titles:
            return self._coding(title, self._kind[key], [key])
        # Fuzzy matching a short title (an acronym such as CTO) finds fragments of unrelated titles.
        if len(key) < MIN_FUZZY_LENGTH:
            return Coding(title, Match.NONE, ())
        found = process.extract(key, self._choices, scorer=fuzz.WRatio, limit=8, score_cutoff=FUZZY_CUTOFF)
        if not found:
            return Coding(title, Match.NONE, ())
        best = found[0][1]
        close = [choice for choice, score, _ in found if score >= best - FUZZY_TIE]
        return self._coding(title, Match.FUZZY, close)

    def _coding(self, title: str, match: Match, keys: list[str]) -> Coding:
        codes = sorted({code for key in keys for code in self._titles[key]})
        occupations = tuple(self.occupations[c] for c in codes)
        matched = tuple(self._display[k] for k in keys)
        return Coding(title, match if len(occupations) == 1 else Match.AMBIGUOUS, occupations, matched)


def normalise(title: str, *, keep_seniority: bool = False) -> str:
    words = re.sub(r"[^a-z0-9+#]+", " ", title.lower()).split()
    dropped = {"nec", "aus", "nz"} if keep_seniority else SENIORITY | {"nec", "aus", "nz"}
    return " ".join(w for w in words if w not in dropped)


@functools.cache
def anzsco() -> Anzsco:
    return Anzsco()
