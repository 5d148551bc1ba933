"""Serving evidence to the people who may see its request, and to no one else."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from bordercase.accounts.models import User
from bordercase.cases import access
from bordercase.cases.models import Document
from bordercase.lib.evidence import download_name
from bordercase.privacy import reads


@login_required
def document_download(request: HttpRequest, reference: str, document_id: int) -> FileResponse:
    user = request.user
    if not isinstance(user, User):
        raise Http404
    found = access.request_get(user, reference)
    try:
        document = found.documents.get(pk=document_id)
    except Document.DoesNotExist as exc:
        raise Http404("No such document for this user") from exc
    reads.record_read(user, found, f"{reads.EVIDENCE}: {document.kind} {document.pk}")
    # Always a download, never shown in the browser: a viewer inside the browser (its PDF reader above all) is
    # attack surface that a file someone else uploaded should not reach, whatever the evidence check found.
    response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True,
                            filename=download_name(document.original_name, document.content_type))
    # Typed as what its content was found to be, never sniffed into HTML or run as a page, should it be opened.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, no-store"
    return response
