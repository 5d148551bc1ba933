from __future__ import annotations

from django.db import models


class LogEntry(models.Model):
    """One leaf of the transparency log: what was recorded, as the exact bytes the tree hashes.

    Written in the transaction of what it records, without a place in the tree (``index`` empty); the sequencer
    (transparency.log.entries_sequence) then gives each committed entry the next place, in the order they are
    found committed, so that a tree once published only ever grows at its end.
    """

    index = models.BigIntegerField(null=True, blank=True, unique=True,
                                   help_text="Its place in the tree, from 0; empty until sequenced.")
    kind = models.CharField(max_length=20, help_text="What it records: event, and later ballot files, imports, "
                                                     "letters.")
    data = models.BinaryField(help_text="The entry's bytes: canonical JSON of what it records.")
    leaf_hash = models.BinaryField(max_length=32, help_text="SHA-256(0x00 ‖ data), RFC 9162's leaf hash.")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "log entries"
        # The entries waiting for their place, found without reading the placed ones.
        indexes = [models.Index(fields=["id"], name="log_entry_unsequenced", condition=models.Q(index__isnull=True)),
                   # A record's own leaf is found by the hash of what it records (an index added, not a field
                   # altered: SQLite would remake the table, and drop its append-only trigger with it).
                   models.Index(fields=["leaf_hash"], name="log_entry_leaf_hash")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.index if self.index is not None else '(unsequenced)'}"


class Checkpoint(models.Model):
    """The log's size and root hash at a moment, signed: what an outsider keeps to hold the log to later."""

    size = models.BigIntegerField(unique=True)
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField(help_text="The signed note (C2SP tlog-checkpoint in a C2SP signed note), as served.")
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"checkpoint at {self.size}"
