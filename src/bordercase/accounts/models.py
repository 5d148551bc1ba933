"""Identity: people who sign in, the organisations they act for and in what role, the API tokens they hold, and
the record of what administrators changed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bordercase.lib.identifiers import InvalidIdentifier, nzbn_validate


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        # Confirmed unless told otherwise: operators, the demo, tests and invitations know the address is real.
        # Only public sign-up makes unconfirmed accounts, and it says so explicitly (email_verified_at=None).
        extra.setdefault("email_verified_at", timezone.now())
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # Addresses are stored in lower case, so "Aroha@Kowhai.example" signs in to aroha@kowhai.example.
        return self.get(email=(username or "").strip().lower())


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: employer staff, assessors, officers, administrators, workers, individuals."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use operator tools.")
    date_joined = models.DateTimeField(default=timezone.now)
    email_verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person proved they receive email at this address.")
    confirmation_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When a form anyone can fill in (sign-up, resend, forgotten password) last "
        "emailed this account, so those emails can be limited to one a minute.")
    notices_daily = models.BooleanField(
        default=False, help_text="Status changes of their requests as one email a day, not one email each.")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    def __str__(self) -> str:
        return self.email


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 of the secret is kept, never the secret.

    The secret is 256 random bits, so a fast hash is enough: there is nothing to guess.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, such as 'HR system'.")
    prefix = models.CharField(max_length=12, unique=True, help_text="Shown to the user to tell tokens apart.")
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Invitation(models.Model):
    """An invitation to act for an employer, sent by email. Only a SHA-256 of its token is kept."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, default="employer")
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations_sent")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} to {self.organisation_id}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


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
        db_table = "cases_organisation"  # made under cases; moved here with its table unchanged
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
        db_table = "cases_membership"
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


_LABELS = {"window_add": "Window added", "window_change": "Window moved", "window_extend": "Window extended",
           "window_close": "Intake closed now", "import": "History imported", "import_undo": "Import undone",
           "staff_invite": "Staff invited", "staff_role": "Role changed", "staff_deactivate": "Staff deactivated"}


class AdministratorAction(models.Model):
    """One change an administrator made to how schemes run (a window, an import, staff), with who and why.

    Append-only: the activity page and `bordercase activity` read it; nothing edits or deletes a row.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text="Empty when done on the command line.")
    actor_label = models.CharField(max_length=300, help_text="The account's email, or the operating system's user.")
    action = models.CharField(max_length=40, help_text="What was done, such as window_close or import_undo.")
    subject = models.CharField(max_length=300, help_text="What it was done to, in words.")
    reason = models.TextField()
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "cases_administratoraction"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action} {self.subject}"

    @property
    def action_label(self) -> str:
        return _LABELS.get(self.action, self.action.replace("_", " ").capitalize())
