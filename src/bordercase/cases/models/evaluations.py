from __future__ import annotations

from django.db import models


class Evaluation(models.Model):
    """A scheme's rules applied to a request's answers, kept as they came out so a decision can be replayed.

    ``policy_version`` is the content hash of the scheme folder that produced it; with the answers and
    ``as_at`` it is everything needed to evaluate again and get the same result.
    """

    class Outcome(models.TextChoices):
        ELIGIBLE = "eligible", "Likely eligible"
        INELIGIBLE = "ineligible", "Likely ineligible"
        NEEDS_REVIEW = "needs_review", "Needs an assessor's review"

    request = models.ForeignKey("cases.Request", on_delete=models.PROTECT, related_name="evaluations")
    policy_version = models.CharField(max_length=200)
    as_at = models.DateField(help_text="The date the scheme's parameters were resolved at.")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    criteria = models.JSONField(help_text="Each criterion's id, outcome, reason, clause and whether it was mandatory.")
    answers = models.JSONField(help_text="The answers evaluated, as they were then.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.outcome} ({self.policy_version})"
