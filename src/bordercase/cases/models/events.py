from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models

REMOVED = "removed under the retention schedule"  # what pages and exports show for a redacted event's text


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

    Events recorded since chain version 2 hash salted digests of ``actor_label`` and ``reason`` (cases.chain), so
    the retention run can remove that text (``event_redact``, the one change the database allows) and the event
    still verifies.
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
    salt = models.CharField(max_length=32, blank=True,
                            help_text="Random, per event (version 2); removed with the text it salts.")
    actor_digest = models.CharField(max_length=64, blank=True,
                                    help_text="Salted SHA-256 of actor_label, which the hash covers (version 2).")
    reason_digest = models.CharField(max_length=64, blank=True,
                                     help_text="Salted SHA-256 of reason, which the hash covers (version 2).")
    redacted_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When its actor label and reason were removed under the retention "
                                                 "schedule.")

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

    @property
    def reason_removed(self) -> bool:
        return self.redacted_at is not None and not self.reason

    @property
    def actor_removed(self) -> bool:
        return self.redacted_at is not None and not self.actor_label

    @property
    def reason_shown(self) -> str:
        """The reason for a page or an export: never a blank that looks like no reason was given."""
        return REMOVED if self.reason_removed else self.reason

    @property
    def actor_shown(self) -> str:
        return REMOVED if self.actor_removed else self.actor_label
