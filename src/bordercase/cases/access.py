"""Who may see a request, and in what capacity each user stands to it.

Views and API handlers get requests only through these functions: a request the user may
not see does not exist for them (a 404, never a 403).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bordercase.accounts.models import User
from bordercase.accounts.roles import Roles, roles_of
from bordercase.cases.lifecycle import Party, State
from bordercase.cases.models import Request
from bordercase.lib.errors import NotFound
from bordercase.lib.identifiers import InvalidIdentifier, reference_normalise


def visible_requests(user: User, roles: Roles | None = None) -> QuerySet[Request]:
    """The requests this user may see, with what the pages and API show of them loaded."""
    requests = Request.objects.select_related("scheme", "organisation", "nominee", "assessing_body")
    roles = roles or roles_of(user)
    if roles.user_id is None:
        return requests.none()
    lodged = ~Q(status=State.DRAFT)
    if roles.sees_all_lodged:
        # Officers and administrators see every lodged request, and no one's drafts.
        return requests.filter(lodged)
    own = Q(organisation_id__in=roles.employer_of) | Q(organisation__isnull=True, created_by_id=roles.user_id)
    as_nominee = Q(nominee__user_id=roles.user_id) & lodged
    as_assessor = Q(assessing_body_id__in=roles.assessor_at) & lodged
    return requests.filter(own | as_nominee | as_assessor)


def assessable_requests(user: User, roles: Roles | None = None) -> QuerySet[Request]:
    """The lodged requests at the bodies this user assesses for: an assessor's queue, before it is filtered."""
    roles = roles or roles_of(user)
    return (Request.objects.select_related("scheme", "organisation", "nominee", "assessing_body")
            .filter(assessing_body_id__in=roles.assessor_at).exclude(status=State.DRAFT))


def request_for_user(user: User, reference: str, roles: Roles | None = None) -> Request:
    """The request, if this user may see it; otherwise Request.DoesNotExist."""
    return visible_requests(user, roles).get(reference=reference)


def request_get(user: User, reference: str, *, as_party: Party | None = None, roles: Roles | None = None) -> Request:
    """The request by its reference as anyone typed it, if this user may see it (and stands to it as ``as_party``,
    when given); otherwise NotFound, which both interfaces answer as 404."""
    try:
        canonical = reference_normalise(reference)
    except InvalidIdentifier as exc:
        raise NotFound(str(exc)) from exc
    try:
        found = request_for_user(user, canonical, roles)
    except Request.DoesNotExist as exc:
        raise NotFound(f"No request {canonical} that you can see. Check the reference.") from exc
    if as_party is not None and as_party not in parties(user, found, roles):
        raise NotFound(f"No request {canonical} that you can see. Check the reference.")
    return found


def parties(user: User, request: Request, roles: Roles | None = None) -> frozenset[Party]:
    """The capacities in which this user stands to this request."""
    roles = roles or roles_of(user)
    if roles.user_id is None:
        return frozenset()
    held: set[Party] = set()
    if request.organisation_id is not None:
        if request.organisation_id in roles.employer_of:
            held.add(Party.APPLICANT)
    elif request.created_by_id == roles.user_id:
        held.add(Party.APPLICANT)
    if request.nominee_id is not None and request.nominee.user_id == roles.user_id:
        held.add(Party.NOMINEE)
    if request.assessing_body_id in roles.assessor_at:
        held.add(Party.ASSESSOR)
    if roles.inz_officer:
        held.add(Party.INZ_OFFICER)
    if roles.administrator:
        held.add(Party.ADMINISTRATOR)
    return frozenset(held)
