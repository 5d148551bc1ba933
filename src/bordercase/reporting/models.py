"""What statistics are counted from: one row of milestones per request, and people offshore by visa type.

Counting from these rather than from the event log keeps a dashboard over a million requests to a handful of
indexed counts; the rows are written in the same transaction as the transition they record, or by an import.
"""

from __future__ import annotations

from django.db import models


class ImportRun(models.Model):
    """One historical file imported: what it was, who imported it, and how many lines went in or were refused."""

    class Kind(models.TextChoices):
        REQUESTS = "requests", "Requests"
        OFFSHORE = "offshore_visa_holders", "Offshore visa holders"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    file_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    imported = models.PositiveIntegerField()
    rejected = models.PositiveIntegerField()
    by = models.CharField(max_length=300, help_text="Who ran the import, as the operating system named them.")
    at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True, help_text="When its rows were taken out again.")
    undone_by = models.CharField(max_length=300, blank=True)
    undo_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            # The same file twice would count every record twice in official figures: once, unless undone.
            models.UniqueConstraint(fields=["kind", "sha256"], condition=models.Q(undone_at__isnull=True),
                                    name="import_run_file_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.file_name}"


class Milestones(models.Model):
    """When one request was lodged, decided, invited to apply and had its visa decided.

    ``request`` is empty for a historical record, which ``import_run`` names instead.
    """

    request = models.OneToOneField("cases.Request", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="milestones")
    import_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=60, help_text="The scheme's code: for an EOI, its category.")
    lodged_at = models.DateTimeField(db_index=True)
    decision = models.CharField(max_length=10, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decision_working_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Working days from lodging to the decision, worked out when it was made.")
    allocated_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                        help_text="When it was given a capped place.")
    place_released_at = models.DateTimeField(null=True, blank=True, help_text="When it gave the place up.")
    waitlisted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    waitlist_left_at = models.DateTimeField(null=True, blank=True, help_text="Promoted, withdrawn or lapsed.")
    invited_at = models.DateTimeField(null=True, blank=True, db_index=True)
    visa = models.CharField(max_length=10, blank=True)
    visa_decided_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name_plural = "milestones"
        indexes = [
            models.Index(fields=["category", "lodged_at"], name="milestones_lodged"),
            models.Index(fields=["category", "decision", "decided_at"], name="milestones_decided"),
            models.Index(fields=["category", "invited_at"], name="milestones_invited"),
            models.Index(fields=["category", "visa", "visa_decided_at"], name="milestones_visa"),
            models.Index(fields=["category", "allocated_at"], name="milestones_allocated"),
        ]

    def __str__(self) -> str:
        return f"{self.category} lodged {self.lodged_at:%Y-%m-%d}"

    @property
    def imported(self) -> bool:
        return self.import_run_id is not None


class OffshoreVisaHolder(models.Model):
    visa_type = models.CharField(max_length=100)
    ordinarily_resident = models.BooleanField()
    offshore_since = models.DateField()
    import_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["ordinarily_resident", "offshore_since", "visa_type"],
                                name="offshore_as_at")]

    def __str__(self) -> str:
        return f"{self.visa_type} offshore since {self.offshore_since}"


class DailyCount(models.Model):
    """How many of one measure happened on one New Zealand day in one category: the cache the figures sum.

    A day's counts can only change while it is today (transitions happen now) or when an import adds history,
    which rebuilds the days it touches; so the days before today are counted once, not on every page.
    ``measure`` is lodged, declined, found_eligible, invited, visas_granted, visas_declined, or ``decided_in_N``
    for decisions taken N working days after lodging.
    """

    day = models.DateField()
    category = models.CharField(max_length=60)
    measure = models.CharField(max_length=40)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "category", "measure"], name="one_count_a_day")]
        indexes = [models.Index(fields=["measure", "day"], name="daily_count_measure_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.category} {self.measure}: {self.count}"


class DailyCountsBuilt(models.Model):
    """The last day the daily counts are complete for: one row."""

    through = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Daily counts built through {self.through}"
