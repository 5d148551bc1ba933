from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class OccupationFinding(models.Model):
    """The occupation an assessor found for a request, where the rules asked them to choose (a title that matched
    nothing or more than one occupation) or where they found the employer's code or title wrong.

    The one home of the request's occupation when there is one (``cases.services.occupations.occupation_of``): the
    rules read it over the code or title given, and so does the ballot's category. One row per request, replaced
    when the assessor changes their mind; every version is in the request's history (``occupation_finding``
    events).
    """

    request = models.OneToOneField("cases.Request", on_delete=models.PROTECT, related_name="occupation_finding")
    code = models.CharField(max_length=6, help_text="The ANZSCO 2013 occupation (6 digits).")
    note = models.TextField(help_text="Why the assessor found this occupation: the role's duties, the evidence.")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.request_id}: {self.code}"


class CriterionFinding(models.Model):
    """An assessor's finding of one criterion of one request, beside what the rules found.

    One row per criterion, replaced when the assessor changes their mind; every version is also in the
    request's event history (``criterion_finding`` events), so nothing an assessor found is lost.
    """

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        RESOLVED = "resolved", "Decided by the assessor"
        OVERRIDDEN = "overridden", "Overridden"

    request = models.ForeignKey("cases.Request", on_delete=models.PROTECT, related_name="findings")
    criterion = models.CharField(max_length=80)
    rule_outcome = models.CharField(max_length=20, help_text="What the rules found at lodging.")
    outcome = models.CharField(max_length=20, help_text="What the assessor found: met or not_met.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "criterion"], name="one_finding_per_criterion")]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.criterion} {self.outcome} ({self.kind})"


class DeclineProposal(models.Model):
    """A decline that waits for a second assessor at the same body to confirm it (four eyes)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a second assessor"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Sent back"
        WITHDRAWN = "withdrawn", "Withdrawn"

    request = models.ForeignKey("cases.Request", on_delete=models.PROTECT, related_name="decline_proposals")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    reasons = models.TextField(help_text="The reasons as the applicant will read them.")
    criteria = models.JSONField(default=list, help_text="The criteria given as reasons.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="The second assessor's note when sending it back.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request"], condition=Q(status="pending"),
                                               name="one_pending_decline_per_request")]

    def __str__(self) -> str:
        return f"{self.request_id}: decline {self.status}"
