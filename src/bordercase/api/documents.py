"""API routes for a request's evidence: upload (multipart), list and remove, through the documents service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from bordercase.api.auth import caller
from bordercase.api.requests import ERRORS
from bordercase.api.schemas import RowId
from bordercase.cases.access import request_get
from bordercase.cases.models import Document
from bordercase.cases.services.documents import document_add, document_remove, documents_of, every_document_kind
from bordercase.privacy import reads

router = Router(tags=["evidence"])
# Listed in the OpenAPI so a client knows the words; each request takes only its own scheme's (a 422 says which).
DocumentKind = Literal[tuple(every_document_kind())]  # type: ignore[valid-type]


class DocumentOut(Schema):
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


def _out(document: Document) -> DocumentOut:
    return DocumentOut(id=document.pk, kind=document.kind, original_name=document.original_name,
                       content_type=document.content_type, size=document.size, sha256=document.sha256,
                       uploaded_at=document.uploaded_at)


@router.post(
    "/requests/{reference}/documents", response={201: DocumentOut, **ERRORS}, summary="Upload evidence",
    description="Multipart form: `kind` (one of the scheme's document ids) and `file` (a PDF, PNG or JPEG, "
    "checked by its content; 10 MB at most unless configured). While the request is a draft, or when "
    "information has been requested.",
)
def upload_document(request: HttpRequest, reference: str, kind: Form[DocumentKind], file: File[UploadedFile]
                    ) -> Status[DocumentOut]:
    user = caller(request)
    found = request_get(user, reference)
    return Status(201, _out(document_add(request=found, kind=kind, upload=file, by=user)))


@router.get("/requests/{reference}/documents", response={200: list[DocumentOut], **ERRORS},
            summary="A request's evidence")
def list_documents(request: HttpRequest, reference: str) -> list[DocumentOut]:
    user = caller(request)
    found = request_get(user, reference)
    reads.record_read(user, found, reads.api_what(f"{reads.EVIDENCE}: the list of documents", request),
                      channel=reads.Channel.API)
    return [_out(d) for d in documents_of(found)]


@router.delete("/requests/{reference}/documents/{document_id}", response={204: None, **ERRORS},
               summary="Remove evidence from a draft")
def delete_document(request: HttpRequest, reference: str, document_id: RowId) -> Status[None]:
    user = caller(request)
    found = request_get(user, reference)
    document = found.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404(f"No document {document_id} on request {found.reference}.")
    document_remove(document=document, by=user)
    return Status(204, None)
