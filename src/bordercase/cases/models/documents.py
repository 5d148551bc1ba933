from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


def _evidence_path(document: Document, filename: str) -> str:
    # The stored name never comes from the uploader: a random name under the request's reference.
    return f"evidence/{document.request.reference}/{uuid.uuid4().hex}"


class Document(models.Model):
    """A piece of evidence uploaded for a request, checked by its content before it was stored."""

    request = models.ForeignKey("cases.Request", on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=60, help_text="The scheme's document id, such as employment_agreement.")
    file = models.FileField(upload_to=_evidence_path, max_length=300)
    original_name = models.CharField(max_length=255, help_text="The file's name on the uploader's computer.")
    content_type = models.CharField(max_length=40, help_text="What the content was found to be, not what it claimed.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.kind} {self.original_name}"
