from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from bordercase.cases.windows import Window


class IntakeWindow(models.Model):
    """A period in which a scheme takes requests. Times are stored in UTC and shown in New Zealand time."""

    scheme = models.ForeignKey("cases.Scheme", on_delete=models.CASCADE, related_name="windows")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheme", "opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="window_closes_after_opening",
                                   violation_error_message="A window must close after it opens."),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id}: {self.opens_at:%Y-%m-%d %H:%M} to {self.closes_at:%Y-%m-%d %H:%M}"

    def as_window(self) -> Window:
        return Window(self.opens_at, self.closes_at)
