from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AppendOnly(Exception):
    """Raised on any attempt to change or remove a recorded event."""


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Events are append-only: record a new event instead of changing one.")

    def delete(self) -> NoReturn:
        raise AppendOnly("Events are append-only: they cannot be deleted.")


class Event(models.Model):
    """One entry in a request's hash-chained history.

    ``hash`` is SHA-256 over the event's content and ``prev_hash``, the hash of the event
    before it in the same request (64 zeros for the first), so editing, inserting, deleting
    or re-ordering any event breaks the chain where it happened (see cases.audit).
    """

    request = models.ForeignKey("cases.Request", on_delete=models.PROTECT, related_name="events")
    position = models.PositiveIntegerField(help_text="1 for the request's first event, then 2, 3, …")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="events",
        help_text="Who made the change; empty when bordercase made it itself.",
    )
    actor_label = models.CharField(max_length=300, help_text="Who, as recorded at the time (hashed).")
    at = models.DateTimeField()
    transition = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["request", "position"]
        constraints = [models.UniqueConstraint(fields=["request", "position"], name="event_position_unique")]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.position} {self.transition}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("Events are append-only: record a new event instead of changing one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Events are append-only: they cannot be deleted.")
