"""Creating requests; changing their state is in cases.services.transitions."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from bordercase.accounts.models import Organisation, User
from bordercase.accounts.roles import Roles, roles_of
from bordercase.cases import access
from bordercase.cases.lifecycle import CREATED, Party, State
from bordercase.cases.models import Person, Request, Scheme
from bordercase.cases.services.evaluations import answers_check
from bordercase.cases.services.events import event_append
from bordercase.cases.services.people import person_update
from bordercase.cases.services.windows import intake_require_drafts
from bordercase.lib.errors import InvalidInput, NotEditable, Refused
from bordercase.lib.identifiers import reference_new


def request_create(
    *, by: User, scheme: Scheme, organisation: Organisation | None = None, nominee: Person | None = None,
    assessing_body: Organisation | None = None, answers: dict[str, Any] | None = None, roles: Roles | None = None,
) -> Request:
    """Start a draft request, for an employer's organisation or for the individual making it (``roles``: the
    user's, when the caller has read them already)."""
    intake_require_drafts(scheme)
    assessing_body = request_start_check(by=by, scheme=scheme, organisation=organisation,
                                         assessing_body=assessing_body, roles=roles)
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


def request_start_check(*, by: User, scheme: Scheme, organisation: Organisation | None,
                        assessing_body: Organisation | None, roles: Roles | None = None) -> Organisation | None:
    """Who may start a request under the scheme, and for whom; the assessing body it goes to (the scheme's only
    one when none is chosen). Refused or InvalidInput, naming the field, otherwise."""
    if organisation is not None:
        if organisation.pk not in (roles or roles_of(by)).employer_of:
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
    _body_check(scheme, bodies, assessing_body)
    return assessing_body


def _body_check(scheme: Scheme, bodies: list[Organisation], assessing_body: Organisation | None) -> None:
    if assessing_body is not None and assessing_body not in bodies:
        names = " or ".join(b.name for b in bodies)
        raise InvalidInput({"assessing_body": f"{assessing_body.name} does not assess {scheme.title}: choose {names}."})


_UNSET: Any = object()


def request_update_draft(
    *, request: Request, by: User, answers: dict[str, Any] | None = None, nominee: dict[str, Any] | None = None,
    assessing_body: Organisation | None = _UNSET,
) -> Request:
    """Change a draft: merge answers (an answer of None removes it), set or correct the nominee, choose the body.

    Only the applicant may, and only while it is a draft; a lodged request is changed by withdrawing it
    or by answering an information request. Nothing is saved unless everything given is valid.
    """
    with transaction.atomic():
        current = Request.objects.select_for_update(of=("self",)).select_related("scheme", "nominee").get(
            pk=request.pk)
        if Party.APPLICANT not in access.parties(by, current):
            raise Refused(f"Only the applicant can change request {current.reference}.")
        if current.status != State.DRAFT:
            raise NotEditable(f"Request {current.reference} has been lodged, so it can no longer be changed. "
                              "Withdraw it if it is wrong, or wait for the assessor to ask for more information.")
        fields: list[str] = []
        if answers is not None:
            merged = {**current.answers, **answers}
            merged = {k: v for k, v in merged.items() if v is not None}
            answers_check(current.scheme, merged, partial=True)
            current.answers = merged
            fields.append("answers")
        if assessing_body is not _UNSET:
            _body_check(current.scheme, list(current.scheme.assessing_bodies.all()), assessing_body)
            current.assessing_body = assessing_body
            fields.append("assessing_body")
        if nominee is not None:
            try:
                current.nominee = person_update(current.nominee, **nominee)
            except InvalidInput as exc:
                raise InvalidInput({f"nominee.{k}": v for k, v in exc.errors.items()}) from exc
            fields.append("nominee")
        if fields:
            current.save(update_fields=[*fields, "updated_at"])
    return current
