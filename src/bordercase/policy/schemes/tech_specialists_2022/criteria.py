"""The specialist tech workers class exception: Cabinet's criteria and NZTech's two industry commitments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bordercase.policy.anzsco import OCCUPATION_FOUND, Match, anzsco
from bordercase.policy.criteria import MET, NEEDS_REVIEW, NOT_MET, Answers, Params, Result, criterion, money


class Role:
    """The role's unit groups, and how they were found, from an ANZSCO code or a job title."""

    __slots__ = ("described", "groups_described", "unit_groups", "unresolved")

    def __init__(self, unit_groups: tuple[str, ...], described: str, unresolved: str = "") -> None:
        self.unit_groups, self.described, self.unresolved = unit_groups, described, unresolved
        self.groups_described = " or ".join(f"ANZSCO {anzsco().describe(u)}" for u in unit_groups)


_roles: dict[tuple[str, str, str], Role] = {}
_ROLES_HELD = 10_000


def role_of(answers: Answers) -> Role:
    key = (answers.get(OCCUPATION_FOUND, ""), answers.get("anzsco_code", ""), answers.get("job_title", ""))
    role = _roles.get(key)
    if role is None:
        if len(_roles) >= _ROLES_HELD:  # titles typed by anyone (the public checker): held, but not without end
            _roles.clear()
        role = _roles[key] = _find_role(*key)
    return role


def _find_role(found: str, code: str, title: str) -> Role:
    data = anzsco()
    if found:
        # The assessor chose the occupation (the rules asked them to): their finding stands over the code or
        # title the employer gave.
        unit = found[:4]
        return Role((unit,), f"The assessor found the occupation to be ANZSCO {data.describe(found)} (unit group "
                             f"{data.describe(unit)}), which")
    if code:
        unit = code[:4]
        subject = f"ANZSCO {data.describe(code)}"
        return Role((unit,), subject if len(code) == 4 else f"{subject} (unit group {data.describe(unit)})")
    coding = data.code_title(title)
    if coding.match is Match.NONE:
        return Role((), "", f"The job title '{title}' matches no ANZSCO 2013 occupation: an assessor must code "
                            "the role, or the employer can give its anzsco_code.")
    units = tuple(dict.fromkeys(o.unit_group for o in coding.occupations))
    if coding.occupation is not None:
        o = coding.occupation
        how = "" if coding.match is Match.PRINCIPAL else f" by its {coding.match.value} '{coding.matched_titles[0]}'"
        return Role(units, f"The job title '{title}' codes{how} to ANZSCO {o} (unit group "
                           f"{data.describe(o.unit_group)}), which")
    candidates = " or ".join(str(o) for o in coding.occupations)
    return Role(units, f"The job title '{title}' could be ANZSCO {candidates}; each of them",
                f"The job title '{title}' could be ANZSCO {candidates}: an assessor must choose the occupation, "
                "or the employer can give its anzsco_code.")


def _groups(units: Iterable[str]) -> str:
    return ", ".join(sorted(units))


@criterion(reads=("salary_thresholds",))
def role_in_short_supply(answers: Answers, params: Params) -> Result:
    role = role_of(answers)
    listed = params["salary_thresholds"]
    if not role.unit_groups:
        return Result(NEEDS_REVIEW, role.unresolved)
    inside = [u for u in role.unit_groups if u in listed]
    if len(inside) == len(role.unit_groups):
        return Result(MET, f"{role.described} is one of the identified roles in short supply.")
    if not inside:
        return Result(NOT_MET, f"{role.described} is not one of the identified roles in short supply "
                               f"(ANZSCO unit groups {_groups(listed)}).")
    return Result(NEEDS_REVIEW, role.unresolved)


@criterion(reads=("salary_thresholds",))
def salary_threshold(answers: Answers, params: Params) -> Result:
    role = role_of(answers)
    thresholds = params["salary_thresholds"]
    salary = answers["annual_salary_nzd"]
    units = role.unit_groups
    if len(units) == 1 and units[0] in thresholds:
        threshold = thresholds[units[0]]
        if salary >= threshold:
            return Result(MET, f"Salary {money(salary)} meets the {money(threshold)} threshold for "
                               f"{role.groups_described}.")
        return Result(NOT_MET, f"Salary {money(salary)} is below the {money(threshold)} threshold for "
                               f"{role.groups_described}.")
    applicable = [thresholds[u] for u in units if u in thresholds]
    if not applicable:
        return Result(NEEDS_REVIEW, f"Salary {money(salary)} cannot be checked: no salary threshold applies until "
                                    "the role is one of the identified roles in short supply.")
    # The occupation is not settled, but a salary above every candidate's threshold (or below all) decides.
    if salary >= max(applicable) and len(applicable) == len(units):
        return Result(MET, f"Salary {money(salary)} meets the threshold of every occupation the role could be "
                           f"(at most {money(max(applicable))}).")
    if salary < min(applicable):
        return Result(NOT_MET, f"Salary {money(salary)} is below the threshold of every identified role the "
                               f"role could be (at least {money(min(applicable))}).")
    return Result(NEEDS_REVIEW, f"Salary {money(salary)} cannot be checked until the occupation is settled: "
                                f"{role.unresolved}")


@criterion()
def employment_agreement(answers: Answers, params: Params) -> Result:
    if answers["employment_agreement_signed"]:
        return Result(MET, "The employer and the worker have signed an employment agreement.")
    return Result(NOT_MET, "The employer and the worker have not signed an employment agreement: the class is for "
                           "workers the employer has already employed.")


_folded: dict[int, tuple[tuple[str, ...], dict[str, str]]] = {}


def _by_folded_name(listed: tuple[str, ...]) -> dict[str, str]:
    # Keyed by identity: the same resolved list comes back for every request lodged on the same day.
    entry = _folded.get(id(listed))
    if entry is None or entry[0] is not listed:
        entry = _folded[id(listed)] = (listed, {_fold(name): name for name in listed})
    return entry[1]


_FILLER = re.compile(r"\b(the|programmes?|programs?|intern)\b|[^\w\s]")


_folds: dict[str, str] = {}


def _fold(name: str) -> str:
    """Summer of Tech Intern Programme is Summer of Tech: names compare without case, filler words or marks."""
    folded = _folds.get(name)
    if folded is None:
        folded = " ".join(_FILLER.sub(" ", name.casefold()).split())
        if len(_folds) < 100_000:  # names repeat across a pool; an unbounded cache would not be safe
            _folds[name] = folded
    return folded


def _commitment(given: Sequence[str], listed: tuple[str, ...], what: str, kind: str) -> Result:
    known = _by_folded_name(listed)
    folded = [(g, _fold(g)) for g in given]
    on_list = [known[f] for _, f in folded if f in known]
    if on_list:
        return Result(MET, f"{what}: {', '.join(on_list)}, on the maintained list of {kind}.")
    if given:
        return Result(NEEDS_REVIEW, f"{what}: {', '.join(given)}, which is not on the maintained list of {kind} "
                                    f"({', '.join(listed)}): an assessor must decide whether it counts.")
    return Result(NOT_MET, f"{what}: none given. The scheme asks for one of the {kind}, such as "
                           f"{', '.join(listed[:3])}.")


@criterion(reads=("pipeline_programmes",))
def domestic_pipeline(answers: Answers, params: Params) -> Result:
    return _commitment(answers.get("pipeline_programmes", ()), params["pipeline_programmes"],
                       "Engaged with a domestic skills-pipeline programme", "domestic skills-pipeline programmes")


@criterion(reads=("industry_bodies",))
def industry_membership(answers: Answers, params: Params) -> Result:
    return _commitment(answers.get("industry_memberships", ()), params["industry_bodies"],
                       "Active member of an industry body", "industry bodies")
