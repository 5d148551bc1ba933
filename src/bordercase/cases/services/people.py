"""Recording the people requests are about."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from bordercase.cases.models import Person
from bordercase.lib.errors import InvalidInput
from bordercase.policy.bounds import date_of_birth_problem


def person_create(
    *, given_names: str, family_name: str, date_of_birth: date, nationality: str, passport_number: str, email: str,
) -> Person:
    return person_update(None, given_names=given_names, family_name=family_name, date_of_birth=date_of_birth,
                         nationality=nationality, passport_number=passport_number, email=email)


def person_update(
    person: Person | None, *, given_names: str, family_name: str, date_of_birth: date, nationality: str,
    passport_number: str, email: str,
) -> Person:
    """Record a person, or correct one recorded before; nothing is saved unless every field is valid."""
    person = person_new(person, given_names=given_names, family_name=family_name, date_of_birth=date_of_birth,
                        nationality=nationality, passport_number=passport_number, email=email)
    person.save()
    return person


def person_new(
    person: Person | None = None, *, given_names: str, family_name: str, date_of_birth: date, nationality: str,
    passport_number: str, email: str,
) -> Person:
    """The person with these details, checked and not yet saved (``person`` changed, or a new one)."""
    person = person or Person()
    person.given_names = given_names.strip()
    person.family_name = family_name.strip()
    person.date_of_birth = date_of_birth
    person.nationality = nationality.strip().upper()
    person.passport_number = "".join(passport_number.split()).upper()
    person.email = email.strip()
    errors: dict[str, str] = {}
    born = date_of_birth_problem(date_of_birth, date.today())
    if born:
        errors["date_of_birth"] = f"The date of birth {born[1]}: check the year."
    try:
        person.full_clean(exclude=["user"])
    except ValidationError as exc:
        errors = {**InvalidInput.from_validation_error(exc).errors, **errors}
    if errors:
        raise InvalidInput(errors)
    return person
