"""The case records: who applies, for whom, under which scheme, and every change since."""

from bordercase.cases.models.allocation import AllocationEntry, AllocationRound, Reallocation, SecretHolder
from bordercase.cases.models.assessments import CriterionFinding, DeclineProposal, OccupationFinding
from bordercase.cases.models.documents import Document
from bordercase.cases.models.evaluations import Evaluation
from bordercase.cases.models.events import Event
from bordercase.cases.models.idempotency import IdempotencyRecord
from bordercase.cases.models.notices import NoticeWaiting
from bordercase.cases.models.people import Person
from bordercase.cases.models.requests import Request
from bordercase.cases.models.schemes import Scheme
from bordercase.cases.models.windows import IntakeWindow

__all__ = [
    "AllocationEntry", "AllocationRound", "CriterionFinding", "DeclineProposal", "Document", "Evaluation", "Event",
    "IdempotencyRecord", "IntakeWindow", "NoticeWaiting", "OccupationFinding", "Person", "Reallocation",
    "Request", "Scheme", "SecretHolder",
]
