"""The worker counted once: the same person nominated by more than one employer under one scheme."""

from __future__ import annotations

from django.db.models import QuerySet

from bordercase.cases.lifecycle import State
from bordercase.cases.models import Person, Request
from bordercase.lib.identifiers import worker_identity
from bordercase.lib.sealed import index_key

# A withdrawn request no longer competes for a place, and a draft has not been lodged.
_NOT_COMPETING = (State.DRAFT.value, State.WITHDRAWN.value)


def identity_of(person: Person) -> str:
    return worker_identity(passport_number=person.passport_number, nationality=person.nationality,
                           date_of_birth=person.date_of_birth, key=index_key())


def same_worker_requests(request: Request) -> QuerySet[Request]:
    """Other lodged requests under the same scheme for the same person, whoever made them.

    Not scoped to a user: callers show only how many there are, never whose they are.
    """
    if not request.worker_identity:
        return Request.objects.none()
    return (Request.objects.filter(scheme_id=request.scheme_id, worker_identity=request.worker_identity)
            .exclude(pk=request.pk).exclude(status__in=_NOT_COMPETING))
