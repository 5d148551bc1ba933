"""Creating requests; changing their state is in cases.services.transitions."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from bordercase.accounts.models import User
from bordercase.cases.errors import InvalidInput, Refused
from bordercase.cases.identifiers import reference_new
from bordercase.cases.lifecycle import CREATED, State
from bordercase.cases.models import Membership, Organisation, Person, Request, Scheme
from bordercase.cases.services.evaluations import answers_check
from bordercase.cases.services.events import event_append
from bordercase.cases.services.windows import intake_require_drafts


def request_create(
    *, by: User, scheme: Scheme, organisation: Organisation | None = None, nominee: Person | None = None,
    assessing_body: Organisation | None = None, answers: dict[str, Any] | None = None,
) -> Request:
    """Start a draft request, for an employer's organisation or for the individual making it."""
    intake_require_drafts(scheme)
    if organisation is not None:
        if not Membership.objects.filter(user=by, organisation=organisation, role=Membership.Role.EMPLOYER).exists():
            raise Refused(f"You do not act for {organisation.name} as an employer, so you cannot apply for it.")
        if scheme.kind == Scheme.Kind.EOI_CATEGORY:
            raise InvalidInput({"scheme": f"{scheme.title} is for individuals: an employer nominates under a "
                                          "class exception or as an essential worker."})
    elif scheme.kind != Scheme.Kind.EOI_CATEGORY:
        raise InvalidInput({"organisation": f"Only an employer can nominate under {scheme.title}: "
                                            "apply as your organisation."})
    bodies = list(scheme.assessing_bodies.all())
    if assessing_body is None and len(bodies) == 1:
        assessing_body = bodies[0]
    if assessing_body is not None and assessing_body not in bodies:
        names = " or ".join(b.name for b in bodies)
        raise InvalidInput({"assessing_body": f"{assessing_body.name} does not assess {scheme.title}: choose {names}."})

    answers_check(scheme, answers or {}, partial=True)

    for _attempt in range(5):
        try:
            with transaction.atomic():
                request = Request.objects.create(
                    reference=reference_new(), scheme=scheme, organisation=organisation, created_by=by,
                    nominee=nominee, assessing_body=assessing_body, answers=answers or {},
                )
                event_append(request=request, by=by, transition=CREATED, from_state="", to_state=State.DRAFT)
                return request
        except IntegrityError:
            # A reference collision is one in billions; anything else fails again and surfaces below.
            continue
    raise RuntimeError("Could not store a new request after five attempts; see the database log.")
