"""The request's occupation, in one place: what the rules, the assessor's page and the ballot's category all read.

An assessor's finding (``OccupationFinding``) stands over what the applicant gave; else the ANZSCO code they gave;
else their job title, when the coder finds exactly one occupation for it. A title that matched nothing or several
occupations leaves the request without one until an assessor records it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bordercase.cases.models import OccupationFinding, Request
from bordercase.policy.anzsco import OCCUPATION_FOUND, anzsco
from bordercase.policy.loader import OCCUPATION_QUESTION
from bordercase.policy.scheme import Scheme as Policy

# The answer the schemes give an occupation under (the tech class's question, and its ballot_category).
OCCUPATION_ANSWER = "anzsco_code"


def reads_occupation(policy: Policy | None) -> bool:
    """Whether the scheme's rules read an occupation: it asks for one as an ANZSCO question, which an assessor may
    settle with a finding."""
    question = policy.questions.get(OCCUPATION_ANSWER) if policy is not None else None
    return question is not None and question.type == OCCUPATION_QUESTION


# The longest note an assessor may give with their finding, on the page and through the API alike.
NOTE_MAX_LENGTH = 5_000


class Found(StrEnum):
    ASSESSOR = "the assessor's finding"
    ANSWER = "the ANZSCO code given"
    TITLE = "the job title given"


@dataclass(frozen=True)
class RequestOccupation:
    code: str  # a 6-digit occupation, or the 4-digit unit group an applicant may give instead
    found: Found
    described: str  # "261313 Software Engineer"
    note: str = ""  # the assessor's, for their finding


def _from_answers(answers: Mapping[str, Any]) -> RequestOccupation | None:
    """What the applicant gave: the ANZSCO code, else the job title coded to exactly one occupation."""
    data = anzsco()
    code = str(answers.get(OCCUPATION_ANSWER) or "").strip()
    if code and data.known(code):
        return RequestOccupation(code, Found.ANSWER, data.describe(code))
    title = answers.get("job_title")
    if isinstance(title, str) and title.strip():
        occupation = data.code_title(title).occupation
        if occupation is not None:
            return RequestOccupation(occupation.code, Found.TITLE, str(occupation))
    return None


def _from_finding(finding: OccupationFinding) -> RequestOccupation:
    return RequestOccupation(finding.code, Found.ASSESSOR, anzsco().describe(finding.code), finding.note)


def occupation_of(request: Request) -> RequestOccupation | None:
    """The request's occupation, or None while nobody has settled it."""
    finding = OccupationFinding.objects.filter(request=request).first()
    return _from_finding(finding) if finding is not None else _from_answers(request.answers)


def occupations_of(requests: Iterable[Request]) -> dict[int, RequestOccupation | None]:
    """Each request's occupation by its id, in one query for the assessors' findings (a round's whole pool).

    The findings are asked for by the requests' schemes, not by a list of every request's id: a pool of tens of
    thousands would pass SQLite's limit on a query's variables. Findings are few (one for each request an assessor
    had to settle), so those of the scheme's other requests cost little. The requests need ``scheme_id`` loaded.
    """
    pool = list(requests)
    wanted = {r.pk for r in pool}
    findings = {f.request_id: f for f in OccupationFinding.objects.filter(
        request__scheme_id__in={r.scheme_id for r in pool}) if f.request_id in wanted}
    return {r.pk: _from_finding(findings[r.pk]) if r.pk in findings else _from_answers(r.answers) for r in pool}


def occupation_in_answers(answers: Mapping[str, Any]) -> RequestOccupation | None:
    """The occupation of answers as the rules read them (``for_rules``): the assessor's finding they carry, else what
    the applicant gave. What a what-if over ``lodged_answers`` has in place of the request."""
    found = str(answers.get(OCCUPATION_FOUND) or "").strip()
    if found:
        return RequestOccupation(found, Found.ASSESSOR, anzsco().describe(found))
    return _from_answers(answers)


def with_occupation(answers: Mapping[str, Any], occupation: RequestOccupation | None) -> dict[str, Any]:
    """The answers as the ballot reads them: the request's occupation standing as its ANZSCO code."""
    if occupation is None:
        return dict(answers)
    return {**answers, OCCUPATION_ANSWER: occupation.code}


def for_rules(checked: Mapping[str, Any], found: str | None) -> dict[str, Any]:
    """Checked answers as the rules read them: with the assessor's occupation, which criteria take over the rest."""
    return {**checked, OCCUPATION_FOUND: found} if found else dict(checked)
