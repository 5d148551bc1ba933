from __future__ import annotations

from django.db import models

from bordercase.cases.lifecycle import Step


class Scheme(models.Model):
    """A border-exception scheme. The policy package fills in its rules; this row is its identity and steps."""

    class Kind(models.TextChoices):
        CLASS_EXCEPTION = "class_exception", "Class exception"
        ESSENTIAL_WORKER = "essential_worker", "Essential worker"
        EOI_CATEGORY = "eoi_category", "Expression of interest category"

    code = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.TextField(blank=True)
    places = models.PositiveIntegerField(
        null=True, blank=True, help_text="The cap on places; empty for a scheme without one."
    )
    uses_recommendation = models.BooleanField(
        default=False, help_text="An assessing body recommends requests to Immigration NZ, which then invites."
    )
    assessing_bodies = models.ManyToManyField(
        "accounts.Organisation", related_name="schemes_assessed",
        help_text="Who may assess; where there are several, the applicant chooses one.",
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def steps(self) -> frozenset[Step]:
        steps = set()
        if self.places is not None:
            steps.add(Step.ALLOCATION)
        if self.uses_recommendation:
            steps.add(Step.RECOMMENDATION)
        return frozenset(steps)
