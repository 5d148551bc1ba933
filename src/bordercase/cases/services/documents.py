"""Evidence for a request: adding it (checked by content before anything is stored) and removing it.

Evidence is not part of the request's history: adding or removing it appends no event (events are transitions).
"""

from __future__ import annotations

import os
import unicodedata

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet

from bordercase.accounts.models import User
from bordercase.cases import access
from bordercase.cases.lifecycle import Party, State
from bordercase.cases.models import Document, Request
from bordercase.cases.services.evaluations import policy_of
from bordercase.lib.errors import InvalidInput, NotEditable, Refused
from bordercase.lib.evidence import evidence_check
from bordercase.policy.loader import schemes

# Evidence is added while the applicant prepares the request, and again when an assessor asks for more.
_TAKES_EVIDENCE = (State.DRAFT.value, State.INFO_REQUESTED.value)
SUPPORTING_EVIDENCE = ("supporting_evidence", "Supporting evidence")
# The worker, once invited to apply, adds the employment agreement they signed to their request to travel; that
# is the only evidence they add, and only then.
WORKERS_EVIDENCE = ("employment_agreement", "The signed employment agreement")


def every_document_kind() -> list[str]:
    """Every kind of evidence any scheme takes, for an interface to list; each request takes only its scheme's."""
    kinds = {d.id for policy in schemes().values() for d in policy.documents}
    return sorted(kinds | {SUPPORTING_EVIDENCE[0], WORKERS_EVIDENCE[0]})


def document_kinds(request: Request) -> list[tuple[str, str]]:
    """The kinds of evidence the scheme asks for, as (id, label); a scheme without rules takes supporting evidence."""
    policy = policy_of(request.scheme)
    if policy is None or not policy.documents:
        return [SUPPORTING_EVIDENCE]
    kinds = [(d.id, d.label) for d in policy.documents]
    # An assessor may ask for anything, so an answer to an information request can carry any evidence.
    return [*kinds, SUPPORTING_EVIDENCE] if request.status == State.INFO_REQUESTED else kinds


def _adds_as_worker(request: Request, by: User, kind: str | None) -> bool:
    """The nominee adding their signed employment agreement while invited to apply (``kind`` None: a removal)."""
    return (kind == WORKERS_EVIDENCE[0] and request.status == State.INVITED
            and Party.NOMINEE in access.parties(by, request))


def _check_may_change(request: Request, by: User, kind: str | None = None) -> None:
    if _adds_as_worker(request, by, kind):
        return
    if Party.APPLICANT not in access.parties(by, request):
        raise Refused(f"Only the applicant can add or remove evidence for request {request.reference}. Ask them "
                      "to upload it.")
    if request.status not in _TAKES_EVIDENCE:
        raise NotEditable(f"Request {request.reference} is {request.state.label.lower()}, so its evidence cannot "
                          "change now. If the assessor asks for more information, you can add evidence then.")


def _locked(request: Request) -> Request:
    """The request as it is now, locked until the transaction ends, so a lodging cannot slip past the check."""
    return Request.objects.select_for_update(of=("self",)).select_related("scheme").get(pk=request.pk)


def display_name(name: str | None) -> str:
    """The uploader's file name without folders or control characters, at most 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Control characters (a newline above all) would break a download's Content-Disposition header.
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    if len(base) > 255:
        stem, ext = os.path.splitext(base)
        base = stem[: 255 - len(ext)] + ext if len(ext) <= 16 else base[:255]
    return base or "evidence"


def document_add(*, request: Request, kind: str, upload: UploadedFile, by: User) -> Document:
    """Store one piece of evidence, or raise and store nothing: no row and no file.

    The file is written before the row's transaction starts, so a slow store (S3) never holds the request's lock;
    if anything fails after that, the file is deleted again. A caller's own enclosing transaction that rolls back
    after this returns would leave the file behind, so callers do not wrap this in one.
    """
    _check_may_change(request, by, kind)
    kinds = dict([WORKERS_EVIDENCE] if _adds_as_worker(request, by, kind) else document_kinds(request))
    if kind not in kinds:
        raise InvalidInput({"kind": f"{kind!r} is not evidence {request.scheme.title} asks for: choose one of "
                                    f"{', '.join(kinds.values())}."})
    checked = evidence_check(upload)
    # The same file sent again as the same evidence (a resubmitted form, a retried call) is kept once.
    same = request.documents.filter(kind=kind, sha256=checked.sha256).first()
    if same is not None:
        return same
    name = display_name(upload.name)
    document = Document(request=request, kind=kind, original_name=name, content_type=checked.content_type,
                        size=checked.size, sha256=checked.sha256, uploaded_by=by)
    upload.seek(0)
    document.file.save(name, upload, save=False)
    try:
        with transaction.atomic():
            current = _locked(request)
            _check_may_change(current, by, kind)
            same = current.documents.filter(kind=kind, sha256=checked.sha256).first()
            if same is None:
                document.request = current
                document.save()
    except BaseException:
        document.file.delete(save=False)
        raise
    if same is not None:  # an identical upload committed while this one was being stored
        document.file.delete(save=False)
        return same
    return document


def document_remove(*, document: Document, by: User) -> None:
    """Remove a piece of evidence: the row now, its file once that has committed."""
    with transaction.atomic():
        _check_may_change(_locked(document.request), by)
        stored = document.file
        document.delete()
        transaction.on_commit(lambda: stored.delete(save=False))


def documents_of(request: Request) -> QuerySet[Document]:
    return request.documents.order_by("uploaded_at", "pk")
