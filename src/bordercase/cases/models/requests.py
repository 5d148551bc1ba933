from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bordercase.cases.lifecycle import State
from bordercase.workdays import StoredClock


class Request(models.Model):
    """One request under one scheme: an employer's nomination or an individual's expression of interest.

    ``status`` changes only through the transition services, which append an event in the same
    transaction and move ``events_head_hash`` to it, so the request row anchors its own chain.
    """

    reference = models.CharField(max_length=12, unique=True, editable=False)
    scheme = models.ForeignKey("cases.Scheme", on_delete=models.PROTECT, related_name="requests")
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="requests",
        help_text="The employer applying; empty when an individual applies for themselves.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requests_created")
    nominee = models.ForeignKey(
        "cases.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="requests",
        help_text="The worker nominated, or the individual requester.",
    )
    assessing_body = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="requests_to_assess",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_requests",
        help_text="The assessor working on it, once claimed or assigned.",
    )
    answers = models.JSONField(default=dict, blank=True)
    worker_identity = models.CharField(
        max_length=64, blank=True, editable=False,
        help_text="A keyed hash of the nominee's passport number, nationality and date of birth, set at lodging: the "
                  "same person nominated twice under one scheme shares it, so the ballot counts them once.",
    )
    entry_id = models.CharField(
        max_length=20, unique=True, null=True, blank=True, editable=False,
        help_text="The request's public id in allocation rounds, random and set at lodging under a scheme with an "
                  "allocation step: published in the entries file instead of anything that names the worker.",
    )
    status = models.CharField(max_length=20, choices=[(s.value, s.label) for s in State], default=State.DRAFT.value)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    lodged_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    events_count = models.PositiveIntegerField(default=0, editable=False)
    events_head_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The assessment clock as ``workdays.StoredClock`` keeps it, moved with each transition by
    # ``cases.assessment.clock_after``, so that the queue works out every request's working days in the database.
    clock_start = models.IntegerField(null=True, blank=True, editable=False)
    clock_stop = models.IntegerField(null=True, blank=True, editable=False)
    clock_target = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False,
        help_text="The scheme's target for assessing it, in working days, as on the day it was lodged.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in State]), name="request_status_known"),
            models.CheckConstraint(
                condition=Q(status=State.DRAFT.value) | Q(lodged_at__isnull=False), name="request_lodged_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["scheme", "status"], name="request_scheme_status"),
            models.Index(fields=["scheme", "worker_identity"], name="request_scheme_worker"),
            # An assessor's queue in the order it is read, holding what its filters and clocks need, so a page
            # and its counts read the index alone (where the database can: PostgreSQL).
            models.Index(fields=["assessing_body", "lodged_at", "id"], name="request_queue_lodged",
                         include=["status", "clock_start", "clock_stop", "clock_target"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def state(self) -> State:
        return State(self.status)

    @property
    def stored_clock(self) -> StoredClock | None:
        return None if self.clock_start is None else StoredClock(self.clock_start, self.clock_stop)

    @stored_clock.setter
    def stored_clock(self, clock: StoredClock | None) -> None:
        self.clock_start, self.clock_stop = (None, None) if clock is None else (clock.start, clock.stop)
