from __future__ import annotations

from django.conf import settings
from django.db import models


class NoticeWaiting(models.Model):
    """A status change told in someone's daily digest, kept until the digest that tells it is sent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("cases.Event", on_delete=models.CASCADE, related_name="+")
    queued_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="notice_waiting_once")]

    def __str__(self) -> str:
        return f"event {self.event_id} for user {self.user_id}"
