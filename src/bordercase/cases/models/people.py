from __future__ import annotations

import re

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from bordercase.lib.sealed import SealedCharField

_PASSPORT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")


def validate_nationality(value: str) -> None:
    if pycountry.countries.get(alpha_3=value) is None:
        raise ValidationError(
            f"{value!r} is not a country code: use the three-letter code on the passport, such as GBR or IND.",
            code="nationality",
        )


def validate_passport_number(value: str) -> None:
    if not _PASSPORT_NUMBER.match(value):
        raise ValidationError(
            "A passport number is 5 to 20 capital letters and digits, with no spaces: copy it from the photo page.",
            code="passport_number",
        )


class Person(models.Model):
    """A worker nominated by an employer, or an individual requester, or a family member."""

    given_names = models.CharField(max_length=200)
    family_name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    nationality = models.CharField(
        max_length=3, validators=[validate_nationality], help_text="ISO 3166 three-letter code, as on the passport."
    )
    # Sealed (encryption at rest): found again only through the request's keyed worker identity, never by value.
    passport_number = SealedCharField(max_length=20, validators=[validate_passport_number])
    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person_records",
        help_text="The person's own account, once they have one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}".strip()

    @property
    def nationality_name(self) -> str:
        country = pycountry.countries.get(alpha_3=self.nationality)
        return country.name if country else self.nationality
