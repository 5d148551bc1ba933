"""Evidence for a request: adding it (checked by content before anything is stored) and removing it."""

from __future__ import annotations

import os

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet

from bordercase.accounts.models import User
from bordercase.cases import access
from bordercase.cases.errors import InvalidInput, NotEditable, Refused
from bordercase.cases.evidence import evidence_check
from bordercase.cases.lifecycle import Party, State
from bordercase.cases.models import Document, Request
from bordercase.cases.services.evaluations import policy_of

# Evidence is added while the applicant prepares the request, and again when an assessor asks for more.
_TAKES_EVIDENCE = (State.DRAFT.value, State.INFO_REQUESTED.value)


def document_kinds(request: Request) -> list[tuple[str, str]]:
    """The kinds of evidence the scheme asks for, as (id, label); a scheme without rules takes any evidence."""
    policy = policy_of(request.scheme)
    if policy is None or not policy.documents:
        return [("supporting_evidence", "Supporting evidence")]
    return [(d.id, d.label) for d in policy.documents]


def _check_may_change(request: Request, by: User) -> None:
    if Party.APPLICANT not in access.parties(by, request):
        raise Refused(f"Only the applicant can change the evidence of request {request.reference}.")
    if request.status not in _TAKES_EVIDENCE:
        raise NotEditable(f"Request {request.reference} is {request.state.label.lower()}, so its evidence cannot "
                          "change now. If the assessor asks for more information, you can add evidence then.")


def document_add(*, request: Request, kind: str, upload: UploadedFile, by: User) -> Document:
    """Store one piece of evidence, or raise and store nothing."""
    _check_may_change(request, by)
    kinds = dict(document_kinds(request))
    if kind not in kinds:
        raise InvalidInput({"kind": f"{kind!r} is not evidence {request.scheme.title} asks for: choose one of "
                                    f"{', '.join(kinds.values())}."})
    checked = evidence_check(upload, upload.size or 0)
    name = os.path.basename((upload.name or "evidence").replace("\\", "/"))[:255] or "evidence"
    # The same file sent again as the same evidence (a resubmitted form, a retried call) is kept once.
    same = request.documents.filter(kind=kind, sha256=checked.sha256).first()
    if same is not None:
        return same
    document = Document(request=request, kind=kind, original_name=name, content_type=checked.content_type,
                        size=checked.size, sha256=checked.sha256, uploaded_by=by)
    with transaction.atomic():
        document.file.save(name, upload, save=False)
        try:
            document.save()
        except Exception:
            document.file.delete(save=False)  # the row failed, so the stored file would be an orphan
            raise
    return document


def document_remove(*, document: Document, by: User) -> None:
    _check_may_change(document.request, by)
    stored = document.file
    with transaction.atomic():
        document.delete()
        transaction.on_commit(lambda: stored.delete(save=False))


def documents_of(request: Request) -> QuerySet[Document]:
    return request.documents.order_by("uploaded_at", "pk")
