"""An assessor's decision: what they found of each criterion, and whether that lets them recommend or decline.

Pure: no Django. The rules pre-assessed each criterion; the assessor confirms each finding or overrides it with
a note (an override is kept as such, beside the rules' own finding), then recommends the request as eligible or
declines it. A decline gives its reasons: the criteria found not met that the assessor chooses, and free text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bordercase.workdays import StoredClock, clock_lodged, clock_paused, clock_resumed, clock_stopped


class Decision(StrEnum):
    RECOMMEND = "recommend"  # found eligible: the lifecycle's find_eligible
    DECLINE = "decline"


class Kind(StrEnum):
    CONFIRMED = "confirmed"  # the assessor agrees with the rules
    RESOLVED = "resolved"  # the rules needed a person's review, and the assessor gave the finding
    OVERRIDDEN = "overridden"  # the assessor found otherwise than the rules


FINDINGS = ("met", "not_met")
NEEDS_REVIEW = "needs_review"


class AssessmentProblem(ValueError):
    """Something the assessor must fix before the finding or decision stands; ``problems`` maps field to message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.problems.items()))


@dataclass(frozen=True)
class CriterionRule:
    """A criterion as the rules found it at lodging."""

    id: str
    outcome: str  # met, not_met or needs_review
    reason: str
    mandatory: bool


@dataclass(frozen=True)
class Finding:
    """The assessor's finding of one criterion."""

    criterion: str
    rule_outcome: str
    outcome: str
    note: str

    @property
    def kind(self) -> Kind:
        if self.outcome == self.rule_outcome:
            return Kind.CONFIRMED
        return Kind.RESOLVED if self.rule_outcome == NEEDS_REVIEW else Kind.OVERRIDDEN


def title(criterion_id: str) -> str:
    return criterion_id.replace("_", " ").capitalize()


def finding_make(rule: CriterionRule, outcome: str, note: str) -> Finding:
    """The assessor's finding, or ``AssessmentProblem`` saying what is missing."""
    field = f"finding.{rule.id}"
    if outcome not in FINDINGS:
        raise AssessmentProblem({field: f"Choose whether {title(rule.id).lower()} is met or not met."})
    finding = Finding(rule.id, rule.outcome, outcome, note.strip())
    if finding.kind is not Kind.CONFIRMED and not finding.note:
        what = "overriding the rules" if finding.kind is Kind.OVERRIDDEN else "deciding what the rules left open"
        raise AssessmentProblem({f"note.{rule.id}": f"Give a note for {title(rule.id).lower()}: {what} needs a "
                                                    "reason the applicant and a reviewer can read."})
    return finding


def decision_check(decision: str, rules: Sequence[CriterionRule], findings: Mapping[str, Finding],
                   reasons: Iterable[str], text: str) -> list[str]:
    """The criteria a decline gives as reasons, or ``AssessmentProblem`` naming why the decision cannot stand.

    Every criterion needs the assessor's finding first. A request is recommended only when every mandatory
    criterion is found met; a decline needs at least one reason, a criterion found not met or free text.
    """
    if decision not in tuple(Decision):
        raise AssessmentProblem({"decision": "Choose whether to recommend the request or decline it."})
    missing = [r.id for r in rules if r.id not in findings]
    if missing:
        raise AssessmentProblem({f"finding.{m}": f"Confirm or override {title(m).lower()} before deciding."
                                 for m in missing})
    not_met = [r.id for r in rules if findings[r.id].outcome == "not_met"]
    if decision == Decision.RECOMMEND:
        blocking = [r.id for r in rules if r.mandatory and findings[r.id].outcome != "met"]
        if blocking:
            names = ", ".join(title(b).lower() for b in blocking)
            raise AssessmentProblem({"decision": f"The request cannot be recommended while {names} "
                                                 f"{'is' if len(blocking) == 1 else 'are'} found not met: override "
                                                 "the finding with a note, or decline the request."})
        return []
    chosen = list(dict.fromkeys(reasons))
    unknown = [c for c in chosen if c not in not_met]
    if unknown:
        raise AssessmentProblem({"reasons": f"{', '.join(title(u) for u in unknown)} is not found not met, so it "
                                            "cannot be a reason to decline: choose only criteria found not met."})
    if not chosen and not text.strip():
        raise AssessmentProblem({"reasons": "Give at least one reason to decline: choose a criterion found not "
                                            "met, or write the reason."})
    return chosen


def reasons_text(decision: str, rules: Sequence[CriterionRule], findings: Mapping[str, Finding],
                 chosen: Sequence[str], text: str) -> str:
    """The decision's reasons as the applicant reads them, one per line."""
    by_id = {r.id: r for r in rules}
    lines = []
    if decision == Decision.DECLINE:
        for criterion in chosen:
            finding = findings[criterion]
            lines.append(f"{title(criterion)}: not met. {finding.note or by_id[criterion].reason}")
    else:
        lines.extend(f"{title(f.criterion)}: found met by the assessor. {f.note}"
                     for f in findings.values() if f.kind is not Kind.CONFIRMED and f.outcome == "met")
    if text.strip():
        lines.append(text.strip())
    return "\n".join(lines)


# How each transition moves the assessment clock: lodging starts it, an information request pauses it until the
# answer, and the first decision stops it.
_CLOCK_MOVES = {"lodge": "start", "request_information": "pause", "provide_information": "resume",
                "decline": "stop", "find_eligible": "stop", "withdraw": "stop", "lapse": "stop"}


def clock_after(transition: str, at: dt.datetime, stored: StoredClock | None) -> StoredClock | None:
    """The request's stored clock after ``transition`` made at ``at``."""
    move = _CLOCK_MOVES.get(transition)
    if move == "start":
        return clock_lodged(at)
    if stored is None or move is None:
        return stored
    return {"pause": clock_paused, "resume": clock_resumed, "stop": clock_stopped}[move](stored, at)
