"""Who looked: one row for every time a member of staff was shown a request's personal details (issue 20).

The Privacy Act 2020 expects an agency to know who saw a person's information (IPP 5, security) and to tell the
person about it when asked (IPP 6). Each staff page, download and API call that shows a request's personal details
records one row here, as it answers; the applicant sees which bodies looked and when, and administrators search it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class StaffRead(models.Model):
    """One view by a member of staff of one request's personal details: who, for which body, what, when and how."""

    class Capacity(models.TextChoices):
        ASSESSOR = "assessor", "Assessor"
        INZ_OFFICER = "inz_officer", "Immigration NZ officer"
        ADMINISTRATOR = "administrator", "Scheme administrator"

    class Channel(models.TextChoices):
        WEB = "web", "Web page"
        API = "api", "API"

    # The reference is kept as well as the link, so the record still answers "who looked at X" after retention
    # removes the request itself (the link is then emptied, never the row).
    request = models.ForeignKey(
        "cases.Request", null=True, blank=True, on_delete=models.SET_NULL, related_name="staff_reads")
    reference = models.CharField(max_length=12, db_index=True)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reader_email = models.EmailField(help_text="The reader's email as it was at the time, kept if the account goes.")
    body = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The organisation the reader acted for: the assessing body, Immigration NZ or the ministry.")
    capacity = models.CharField(max_length=20, choices=Capacity.choices)
    what = models.CharField(max_length=200, help_text="What was shown, such as 'personal details' or "
                                                      "'evidence: passport 12'.")
    channel = models.CharField(max_length=3, choices=Channel.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["request", "at"], name="staffread_request_at"),
            models.Index(fields=["at", "id"], name="staffread_at"),
            models.Index(fields=["body", "at"], name="staffread_body_at"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.what} by {self.reader_email} at {self.at:%Y-%m-%d %H:%M}"
