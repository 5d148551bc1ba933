"""Organisations and who acts for them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from bordercase.accounts.models import Membership, Organisation, User
from bordercase.lib.errors import InvalidInput


def organisation_by_code(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


@transaction.atomic
def employer_create(*, name: str, nzbn: str, contact_email: str = "") -> Organisation:
    organisation = Organisation(
        kind=Organisation.Kind.EMPLOYER, name=name.strip(), nzbn="".join(nzbn.split()), contact_email=contact_email,
    )
    try:
        organisation.full_clean()
    except ValidationError as exc:
        raise InvalidInput.from_validation_error(exc) from exc
    organisation.save()
    return organisation


def membership_add(*, user: User, organisation: Organisation, role: str) -> Membership:
    membership = Membership(user=user, organisation=organisation, role=role)
    try:
        membership.full_clean()
    except ValidationError as exc:
        raise InvalidInput.from_validation_error(exc) from exc
    membership.save()
    return membership
