from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bordercase.cases.lifecycle import State


class AllocationRound(models.Model):
    """One allocation of a capped scheme's places: its pool, what was published before the draw, and the draw.

    The files are kept as the exact bytes published, so their SHA-256 digests on the public page are of what
    anyone downloads. The ballot's secret is stored only once the administrator reveals it at the draw; until
    then bordercase holds just its commitment (see docs/architecture.md, "Allocation").
    """

    class Method(models.TextChoices):
        BALLOT = "ballot", "Ballot"
        ORDER_OF_RECEIPT = "order_of_receipt", "Order of receipt"

    class Status(models.TextChoices):
        OPEN = "open", "Open: the pool is not frozen yet"
        FROZEN = "frozen", "Pool frozen"
        PUBLISHED = "published", "Published, waiting for the draw"
        DRAWN = "drawn", "Drawn"
        ALLOCATED = "allocated", "Every entry allocated without a draw"
        CANCELLED = "cancelled", "Cancelled before the draw"

    # Over: nothing more happens to the round (reallocation.FINISHED is the narrower "its places are allocated").
    ENDED = (Status.DRAWN, Status.ALLOCATED, Status.CANCELLED)

    class Protocol(models.TextChoices):
        V1 = "bordercase-ballot-v1", "v1: a free-text public value"
        V2 = "bordercase-ballot-v2", "v2: a declaration, holders' secrets and a checked drand beacon"

    scheme = models.ForeignKey("cases.Scheme", on_delete=models.PROTECT, related_name="allocation_rounds")
    number = models.PositiveIntegerField(help_text="1 for the scheme's first round, then 2, 3, …")
    method = models.CharField(max_length=20, choices=Method.choices)
    protocol = models.CharField(max_length=30, choices=Protocol.choices, default=Protocol.V1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    places = models.PositiveIntegerField(null=True, blank=True, help_text="The places this round fills, at freezing.")
    category_caps = models.JSONField(default=dict, blank=True)
    employer_cap = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no cap per employer.")
    entries_csv = models.BinaryField(blank=True, default=b"")
    entries_sha256 = models.CharField(max_length=64, blank=True)
    commitment = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the secret, published before.")
    public_value_declaration = models.TextField(
        blank=True, help_text="The future public value to be mixed in, named before anyone can know it.")
    public_value = models.TextField(blank=True)
    secret = models.CharField(max_length=64, blank=True, help_text="Hexadecimal; stored only once revealed.")
    seed = models.CharField(max_length=64, blank=True)
    results_csv = models.BinaryField(blank=True, default=b"")
    results_sha256 = models.CharField(max_length=64, blank=True)
    manifest_json = models.BinaryField(blank=True, default=b"")
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    # v2: the declaration as published (RFC 8785 bytes), the beacon round it names, and that round's signature.
    declaration_json = models.BinaryField(blank=True, default=b"")
    declaration_sha256 = models.CharField(max_length=64, blank=True)
    beacon_round = models.PositiveBigIntegerField(null=True, blank=True)
    beacon_signature = models.CharField(max_length=96, blank=True)
    # v2: each entry's chance before the draw (bordercase.ballot.odds), and the self-tests after it.
    odds = models.JSONField(default=dict, blank=True)
    self_tests = models.JSONField(default=list, blank=True)
    flagged_for_review = models.BooleanField(default=False, help_text="A self-test failed: the result stands, and "
                                                                      "the round is looked at again.")
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    drawn_at = models.DateTimeField(null=True, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    cancel_reason = models.TextField(blank=True, help_text="Public: why the round was cancelled.")

    class Meta:
        ordering = ["scheme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="round_number_per_scheme"),
            # One round at a time, so two rounds can never both count the same remaining places.
            models.UniqueConstraint(fields=["scheme"], condition=Q(status__in=["open", "frozen", "published"]),
                                    name="one_unfinished_round_per_scheme"),
            models.CheckConstraint(condition=Q(status__in=["open", "frozen", "published", "drawn", "allocated",
                                                           "cancelled"]),
                                   name="round_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id} round {self.number} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.ENDED

    @property
    def is_v2_ballot(self) -> bool:
        return self.method == self.Method.BALLOT and self.protocol == self.Protocol.V2


class SecretHolder(models.Model):
    """One holder of a secret mixed into a v2 round's seed: the administrator, or an observer they named.

    Each commits to their secret (its SHA-256) before the round is published and reveals it at the draw; the round
    is not drawn without every one, so no single holder could have known the outcome in advance. bordercase keeps
    the commitment and, once revealed, the secret; a holder who keeps their own secret never gives it to bordercase
    before the draw.
    """

    round = models.ForeignKey(AllocationRound, on_delete=models.PROTECT, related_name="holders")
    position = models.PositiveSmallIntegerField(help_text="The order the secrets are mixed in: 1 is the "
                                                          "administrator's.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    commitment = models.CharField(max_length=64, blank=True)
    secret = models.CharField(max_length=64, blank=True, help_text="Hexadecimal; stored only once revealed.")
    named_at = models.DateTimeField()
    committed_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "position"], name="holder_position_per_round"),
            models.UniqueConstraint(fields=["round", "user"], name="holder_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"holder {self.position} of round {self.round_id}"


class AllocationEntry(models.Model):
    """One request's entry in a round, as in the entries file, and what the draw made of it."""

    round = models.ForeignKey(AllocationRound, on_delete=models.PROTECT, related_name="entries")
    request = models.ForeignKey("cases.Request", on_delete=models.PROTECT, related_name="allocation_entries")
    entry_id = models.CharField(max_length=20)
    weight = models.PositiveIntegerField(default=1)
    category = models.CharField(max_length=100, blank=True)
    employer_id = models.CharField(max_length=64, blank=True)
    beneficiary_id = models.CharField(max_length=64, blank=True)
    position = models.PositiveIntegerField(help_text="Its row in the entries file, from 1.")
    rank = models.PositiveIntegerField(null=True, blank=True)
    result = models.CharField(max_length=20, blank=True, help_text="selected, waitlisted or duplicate.")

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            # A request is entered once: a waitlisted or allocated request is no longer in the eligible pool.
            # Once a round: a request is in one round at a time because only eligible requests are entered and a
            # round's end moves them all on; a cancelled round's requests stay eligible for the next.
            models.UniqueConstraint(fields=["round", "request"], name="request_entered_once_per_round"),
            models.UniqueConstraint(fields=["round", "entry_id"], name="entry_id_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} in {self.round_id}"


class Reallocation(models.Model):
    """A place given up after the draw, and the waitlisted entry it went to (none if the caps allowed nobody)."""

    round = models.ForeignKey(AllocationRound, on_delete=models.PROTECT, related_name="reallocations")
    released = models.ForeignKey(AllocationEntry, on_delete=models.PROTECT, related_name="+")
    because = models.CharField(max_length=40, help_text="The state the entry's request moved to: withdrawn, lapsed, …")
    promoted = models.ForeignKey(AllocationEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["round", "at", "pk"]
        constraints = [models.UniqueConstraint(fields=["released"], name="place_released_once")]

    def __str__(self) -> str:
        return f"{self.released_id} -> {self.promoted_id}"

    @property
    def because_label(self) -> str:
        return State(self.because).label if self.because in State._value2member_map_ else self.because
