"""Immigration New Zealand's records: recommendation batches, invitations to apply, requests to travel with the
people travelling, and visa decisions. Each belongs to one request in ``cases``, whose lifecycle it moves."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bordercase.lib.sealed import SealedBinaryField, SealedCharField


class RecommendationBatch(models.Model):
    """Requests an assessing body recommended to Immigration NZ together, with the export it was sent as."""

    scheme = models.ForeignKey("cases.Scheme", on_delete=models.PROTECT, related_name="+")
    assessing_body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    requests = models.ManyToManyField("cases.Request", related_name="recommendation_batches")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Each export lists every worker's name, birth date and passport number, so it is sealed (bordercase.lib.sealed);
    # the digests are of the bytes as sent, which is what opening them gives back.
    export_csv = SealedBinaryField(help_text="The batch as CSV, exactly as sent.")
    export_json = SealedBinaryField(help_text="The batch as JSON, exactly as sent.")
    csv_sha256 = models.CharField(max_length=64)
    json_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Batch {self.pk} ({self.scheme_id})"


class Invitation(models.Model):
    """An invitation to apply: a single-use link for the worker, kept only as its SHA-256, that expires."""

    request = models.ForeignKey("cases.Request", on_delete=models.PROTECT, related_name="invitations")
    token_sha256 = models.CharField(max_length=64, unique=True)
    worker_email = models.EmailField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True, help_text="When the worker followed it and set up access.")
    # The link's token itself: set only on the object that issuing returns, for whoever sends the link on (the
    # email, the demo); never stored, so the database alone cannot open a worker's link.
    token = ""

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"Invitation for {self.request_id}"


class TravelRequest(models.Model):
    """The worker's request to travel: who they are, their passport, the journey and managed isolation."""

    class PaidBy(models.TextChoices):
        EMPLOYER = "employer", "The employer"
        SPONSORING_AGENCY = "sponsoring_agency", "A sponsoring agency"
        WORKER = "worker", "The worker"

    request = models.OneToOneField("cases.Request", on_delete=models.PROTECT, related_name="travel_request")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="travel_requests")
    given_names = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    nationality = models.CharField(max_length=3, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # The passport's number and machine-readable zone are sealed (encryption at rest, bordercase.lib.sealed).
    passport_number = SealedCharField(max_length=20, blank=True)
    passport_country = models.CharField(max_length=3, blank=True)
    passport_expiry = models.DateField(null=True, blank=True)
    passport_mrz = SealedCharField(max_length=44, blank=True, help_text="The second MRZ line, as entered.")
    employment_agreement = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+")
    no_family = models.BooleanField(default=False, help_text="The worker said no partner or child travels.")
    travel_date = models.DateField(null=True, blank=True)
    isolation_voucher = models.CharField(max_length=40, blank=True)
    isolation_from = models.DateField(null=True, blank=True)
    isolation_to = models.DateField(null=True, blank=True)
    isolation_paid_by = models.CharField(max_length=20, choices=PaidBy.choices, blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    lodged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Request to travel for {self.request_id}"


class FamilyMember(models.Model):
    """A partner or dependent child travelling with the worker, with their own identity and passport."""

    class Relationship(models.TextChoices):
        PARTNER = "partner", "Partner"
        CHILD = "child", "Dependent child"

    travel_request = models.ForeignKey(TravelRequest, on_delete=models.CASCADE, related_name="family")
    relationship = models.CharField(max_length=10, choices=Relationship.choices)
    given_names = models.CharField(max_length=200)
    family_name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    nationality = models.CharField(max_length=3)
    passport_number = SealedCharField(max_length=20)  # sealed, as the worker's
    passport_country = models.CharField(max_length=3)
    passport_expiry = models.DateField()
    passport_mrz = SealedCharField(max_length=44)

    class Meta:
        ordering = ["relationship", "pk"]
        constraints = [models.UniqueConstraint(fields=["travel_request"], condition=Q(relationship="partner"),
                                               name="one_partner_per_travel_request")]

    def __str__(self) -> str:
        return f"{self.given_names} {self.family_name} ({self.relationship})"


class VisaDecision(models.Model):
    """Immigration NZ's decision on the visa, for the worker and with them their family."""

    class Outcome(models.TextChoices):
        GRANTED = "granted", "Granted"
        DECLINED = "declined", "Declined"

    request = models.OneToOneField("cases.Request", on_delete=models.PROTECT, related_name="visa_decision")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    valid_until = models.DateField(null=True, blank=True, help_text="For a granted visa: the last day it is valid.")
    conditions = models.TextField(blank=True)
    reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Visa {self.outcome} for {self.request_id}"


class IssuedLetter(models.Model):
    """A PDF letter as sent, kept as its SHA-256 (never the PDF): what anyone holding the letter checks it against,
    by the verification code printed on it (``services.issued_letters``)."""

    class Kind(models.TextChoices):
        INVITATION = "invitation_to_apply", "Invitation to apply"
        VISA_DECISION = "visa_decision", "Visa decision"

    class ForWhom(models.TextChoices):
        WORKER = "worker", "The worker"
        EMPLOYER = "employer", "The employer"
        # The invitation to apply is one letter, naming both, that both are sent.
        WORKER_AND_EMPLOYER = "worker_and_employer", "The worker and the employer"

    code = models.CharField(max_length=12, unique=True,
                            help_text="The verification code printed on the letter, without its hyphens.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    for_whom = models.CharField(max_length=20, choices=ForWhom.choices)
    request = models.ForeignKey("cases.Request", on_delete=models.PROTECT, related_name="issued_letters")
    decided = models.CharField(max_length=200, help_text="What the letter decided, in a line.")
    sha256 = models.CharField(max_length=64, help_text="The SHA-256 of the PDF exactly as emailed, in hex.")
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} for {self.request_id}"
