"""The case records: who applies, for whom, under which scheme, and every change since."""

from bordercase.cases.models.evaluations import Evaluation
from bordercase.cases.models.events import Event
from bordercase.cases.models.organisations import Membership, Organisation
from bordercase.cases.models.people import Person
from bordercase.cases.models.requests import Request
from bordercase.cases.models.schemes import Scheme

__all__ = ["Evaluation", "Event", "Membership", "Organisation", "Person", "Request", "Scheme"]
