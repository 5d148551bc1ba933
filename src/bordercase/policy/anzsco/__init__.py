"""ANZSCO 2013 (v1.2) as data, and the coding of a job title an employer typed to occupations.

A title is coded by its exact principal title, then by the ABS alternative titles and
specialisations and by bordercase's maintained table of current ICT titles ANZSCO 2013 lacks
(``ict-titles.yaml``, each entry with its sources and reasoning), then by fuzzy matching. When the
evidence points at more than one occupation the coder says so and lists them: a person decides, the
coder never guesses.

A title qualified in brackets to say which sense it has ("Infrastructure Engineer (Software)" in the table,
"Quality Manager (ICT)" in the ABS index) codes only when typed with its qualifier: it is never a close match,
because a close match to it would give the title typed without the qualifier, which means something else as
well, that one sense alone. Likewise a title close only to one narrower title that has all its words and more
("Reliability Engineer" to "Site Reliability Engineer") matches nothing: the missing word is what would make it
that occupation.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process

from bordercase.policy.anzsco.titles import TitleEntry, qualified, title_table

HERE = Path(__file__).parent
# Words that say how senior a person is, not what the job is: "Senior Software Engineer" is a Software Engineer.
SENIORITY = frozenset({"senior", "snr", "sr", "junior", "jnr", "jr", "lead", "principal", "staff", "chief", "head"})
FUZZY_CUTOFF = 86.0
MIN_FUZZY_LENGTH = 5
# Candidates this close to the best fuzzy score are as likely as it, so the title is ambiguous.
FUZZY_TIE = 4.0
# The occupation an assessor found for a request, added to its checked answers before evaluating: no applicant
# answers it (no question has this name, so ``Scheme.check`` refuses it from them), and criteria that read the
# role take it over the code or title the applicant gave.
OCCUPATION_FOUND = "occupation_found"
# As long as the schemes let a job title be (the tech class's job_title question): a longer one is not a title.
TITLE_MAX_LENGTH = 200
# Control characters and lone surrogates: no title has them, and they would only be echoed back broken.
_UNPRINTABLE = frozenset({"Cc", "Cs"})
# The ABS brackets many titles for other reasons ("Accountant (General)", "(Aus)"); "(ICT)" is the one that says
# the title has an ICT sense beside another ("Quality Manager (ICT)" beside 139914 Quality Assurance Manager).
_ABS_ICT_SENSE = re.compile(r"\(ICT\)")


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
    TABLE = "current ICT title"  # bordercase's maintained table (ict-titles.yaml), not ANZSCO's own index
    FUZZY = "close match"
    AMBIGUOUS = "ambiguous"
    NONE = "no match"


# When one occupation is found more than one way, the strongest names how it matched.
_STRENGTH = {Match.PRINCIPAL: 0, Match.ALTERNATIVE: 1, Match.TABLE: 2, Match.FUZZY: 3}


@dataclass(frozen=True)
class Candidate:
    """An occupation a title could be, and how the title led to it."""

    occupation: Occupation
    match: Match  # principal title, alternative title, current ICT title or close match
    matched_title: str  # the title as ANZSCO or the table writes it
    score: float | None = None  # a close match's similarity, 0 to 100
    entry: TitleEntry | None = None  # the table's entry, with its sources and reasoning


def candidate_json(candidate: Candidate) -> dict[str, Any]:
    o, entry = candidate.occupation, candidate.entry
    return {
        "code": o.code, "title": o.title, "unit_group": o.unit_group, "unit_group_title": o.unit_group_title,
        "skill_level": o.skill_level, "matched_by": candidate.match.name.lower(), "matched_how": candidate.match.value,
        "matched_title": candidate.matched_title, "score": candidate.score,
        "reasoning": entry.reasoning if entry else "",
        "sources": [{"id": s.id, "title": s.title, "url": s.url} for s in entry.sources] if entry else [],
    }


@dataclass(frozen=True)
class Coding:
    """What a job title was coded to. ``occupations`` has one entry unless the match is ambiguous."""

    title: str
    match: Match
    occupations: tuple[Occupation, ...]
    matched_titles: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = ()

    @property
    def occupation(self) -> Occupation | None:
        return self.occupations[0] if len(self.occupations) == 1 else None

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "match": self.match.name.lower(),
                "occupation": self.occupation.code if self.occupation else None,
                "candidates": [candidate_json(c) for c in self.candidates]}


def title_problem(title: str) -> str | None:
    """Why a title typed in cannot be coded, said to the person who typed it; None if it can be."""
    text = title.strip()
    if not text:
        return "Enter a job title, such as DevOps Engineer"
    if len(text) > TITLE_MAX_LENGTH:
        return f"The job title is {len(text):,} characters long: shorten it to {TITLE_MAX_LENGTH} or fewer"
    if any(unicodedata.category(c) in _UNPRINTABLE for c in text):
        return "The job title has a character that cannot be typed, such as a control character: type it again"
    return None


# (occupation code, how, the title as written, the table's entry)
_Hit = tuple[str, Match, str, "TitleEntry | None"]


class Anzsco:
    def __init__(self, folder: Path = HERE, table: Path | None = None) -> None:
        self.occupations: dict[str, Occupation] = {}
        self.unit_groups: dict[str, str] = {}
        with (folder / "anzsco-2013.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                occupation = Occupation(row["occupation_code"], row["occupation_title"], row["unit_group_code"],
                                        row["unit_group_title"], int(row["skill_level"]))
                self.occupations[occupation.code] = occupation
                self.unit_groups[occupation.unit_group] = occupation.unit_group_title
        # Titles with seniority words dropped ("Senior Software Engineer" is a Software Engineer) …
        self._titles: dict[str, list[_Hit]] = {}
        # … and as written, seniority words kept: "Chief Information Officer" is an occupation's own title.
        self._whole: dict[str, list[_Hit]] = {}
        # … and those a close match may find: every title but those qualified to say which sense they have.
        self._fuzzy: dict[str, list[_Hit]] = {}
        for occupation in self.occupations.values():
            self._add(occupation.title, occupation.code, Match.PRINCIPAL)
        with (folder / "alternative-titles.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                title = row["title"]
                self._add(title, row["occupation_code"], Match.ALTERNATIVE, fuzzy=not _ABS_ICT_SENSE.search(title))
        self.table = title_table(table or folder / "ict-titles.yaml", known=self.occupations.__contains__,
                                 fold=functools.partial(normalise, keep_seniority=True))
        for entry in self.table.entries:
            for spelling in entry.spellings:
                for code in entry.occupations:
                    self._add(spelling, code, Match.TABLE, entry, fuzzy=not qualified(spelling))
        self._choices = list(self._fuzzy)

    def _add(self, title: str, code: str, kind: Match, entry: TitleEntry | None = None, *,
             fuzzy: bool = True) -> None:
        hit: _Hit = (code, kind, title, entry)
        self._whole.setdefault(normalise(title, keep_seniority=True), []).append(hit)
        key = normalise(title)
        if key:
            self._titles.setdefault(key, []).append(hit)
            if fuzzy:
                self._fuzzy.setdefault(key, []).append(hit)

    def known(self, code: str) -> bool:
        return code in self.occupations or code in self.unit_groups

    def describe(self, code: str) -> str:
        """``2613 Software and Applications Programmers`` or ``261313 Software Engineer``."""
        if code in self.occupations:
            return str(self.occupations[code])
        return f"{code} {self.unit_groups[code]}"

    def candidates(self, title: str) -> tuple[Candidate, ...]:
        """Every occupation the title could be, strongest first: the title as written (ANZSCO's principal and
        alternative titles, then the table's), then without seniority words, then close matches with their score.
        A later kind is tried only when no earlier one found anything."""
        return self.code_title(title).candidates

    @functools.lru_cache(maxsize=65_536)  # noqa: B019 - one Anzsco lives for the process; titles repeat in a pool
    def code_title(self, title: str) -> Coding:
        hits = self._whole.get(normalise(title, keep_seniority=True)) or self._titles.get(normalise(title))
        if hits:
            return self._coding(title, [self._candidate(hit) for hit in hits])
        key = normalise(title)
        # Fuzzy matching a short title (an acronym such as CTO) finds fragments of unrelated titles.
        if len(key) < MIN_FUZZY_LENGTH:
            return Coding(title, Match.NONE, ())
        found = process.extract(key, self._choices, scorer=fuzz.WRatio, limit=8, score_cutoff=FUZZY_CUTOFF)
        if not found:
            return Coding(title, Match.NONE, ())
        best = found[0][1]
        chosen = [(choice, score) for choice, score, _ in found if score >= best - FUZZY_TIE]
        close = [self._candidate(hit, Match.FUZZY, round(score, 1)) for choice, score in chosen
                 for hit in self._fuzzy[choice]]
        if len({c.occupation.code for c in close}) == 1 and all(_narrower(choice, key) for choice, _ in chosen):
            # "Reliability Engineer" is close to "Site Reliability Engineer" only because it is all in it: the word
            # it lacks is what makes the title that occupation, so one narrower title is no evidence for it (several,
            # as "Programmer" has, are offered for an assessor to choose).
            return Coding(title, Match.NONE, ())
        return self._coding(title, close)

    def _candidate(self, hit: _Hit, match: Match | None = None, score: float | None = None) -> Candidate:
        code, kind, written, entry = hit
        return Candidate(self.occupations[code], match or kind, written, score, entry)

    def _coding(self, title: str, found: list[Candidate]) -> Coding:
        # One candidate per occupation: the strongest way the title reached it.
        best: dict[str, Candidate] = {}
        for candidate in sorted(found, key=lambda c: (_STRENGTH[c.match], -(c.score or 0))):
            best.setdefault(candidate.occupation.code, candidate)
        candidates = tuple(best.values())
        occupations = tuple(sorted((c.occupation for c in candidates), key=lambda o: o.code))
        match = candidates[0].match if len(candidates) == 1 else Match.AMBIGUOUS
        matched = tuple(dict.fromkeys(c.matched_title for c in candidates))
        return Coding(title, match, occupations, matched, candidates)


def _narrower(choice: str, typed: str) -> bool:
    """Whether a title has every word of the title typed and more: "site reliability engineer" of "reliability
    engineer" (both as ``normalise`` gives them)."""
    return set(typed.split()) < set(choice.split())


def normalise(title: str, *, keep_seniority: bool = False) -> str:
    # Accents and full-width letters fold to plain ones, so "Ingénieur" and a full-width "CTO" compare as typed
    # on an English keyboard.
    folded = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
    words = re.sub(r"[^a-z0-9+#]+", " ", folded.lower()).split()
    dropped = {"nec", "aus", "nz"} if keep_seniority else SENIORITY | {"nec", "aus", "nz"}
    return " ".join(w for w in words if w not in dropped)


@functools.cache
def anzsco() -> Anzsco:
    return Anzsco()
