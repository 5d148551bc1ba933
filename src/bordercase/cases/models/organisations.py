from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from bordercase.cases.identifiers import InvalidIdentifier, nzbn_validate


def validate_nzbn(value: str) -> None:
    try:
        nzbn_validate(value)
    except InvalidIdentifier as exc:
        raise ValidationError(str(exc), code="nzbn") from exc


class Organisation(models.Model):
    class Kind(models.TextChoices):
        EMPLOYER = "employer", "Employer"
        ASSESSING_BODY = "assessing_body", "Assessing body"
        IMMIGRATION = "immigration", "Immigration New Zealand"
        MINISTRY = "ministry", "Scheme administrator"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    code = models.SlugField(
        max_length=40, unique=True, null=True, blank=True,
        help_text="Short fixed name for the bodies bordercase knows by name, such as nztech.",
    )
    nzbn = models.CharField(
        "NZBN", max_length=13, unique=True, null=True, blank=True, validators=[validate_nzbn],
        help_text="New Zealand Business Number: 13 digits, the last a check digit.",
    )
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="employer") | Q(nzbn__isnull=False), name="employer_has_nzbn",
                violation_error_message="An employer needs its NZBN.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user acting for an organisation in one role."""

    class Role(models.TextChoices):
        EMPLOYER = "employer", "Employer"
        ASSESSOR = "assessor", "Assessor"
        INZ_OFFICER = "inz_officer", "Immigration NZ officer"
        ADMINISTRATOR = "administrator", "Scheme administrator"

    # Which roles make sense in which kind of organisation: an assessor works for an
    # assessing body or for Immigration NZ, which assesses the schemes no industry body does.
    ROLES_BY_KIND: dict[str, frozenset[str]] = {
        Organisation.Kind.EMPLOYER: frozenset({Role.EMPLOYER}),
        Organisation.Kind.ASSESSING_BODY: frozenset({Role.ASSESSOR}),
        Organisation.Kind.IMMIGRATION: frozenset({Role.ASSESSOR, Role.INZ_OFFICER}),
        Organisation.Kind.MINISTRY: frozenset({Role.ADMINISTRATOR}),
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="one_membership_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"

    def clean(self) -> None:
        allowed = self.ROLES_BY_KIND.get(self.organisation.kind, frozenset())
        if self.role not in allowed:
            names = ", ".join(sorted(allowed))
            raise ValidationError(
                {"role": f"A {self.get_role_display().lower()} cannot belong to {self.organisation}: "
                         f"its members can be {names}."}
            )
