"""What the retention run has done: one row per request reduced under a rule of the schedule, so that a second run
does not do it again, and an operator can see when and under which rule each request was reduced."""

from __future__ import annotations

from django.db import models


class Reduction(models.Model):
    """A request's records reduced under one rule of the retention schedule (its kind), and when."""

    request = models.ForeignKey("cases.Request", on_delete=models.PROTECT, related_name="retention_reductions")
    kind = models.CharField(max_length=40, help_text="The schedule's kind of record: declined, evidence, …")
    counted_from = models.DateTimeField(help_text="The date the period was counted from (the decision, the last "
                                                  "change).")
    kept_for = models.CharField(max_length=40, help_text="The period of the schedule, as it was then.")
    at = models.DateTimeField()
    removed = models.JSONField(default=dict, help_text="What was removed, counted: documents, family members, …")

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["request", "kind"], name="retention_reduced_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.request_id} reduced under {self.kind}"
